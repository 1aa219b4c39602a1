import type { Action, Suggestion, SuggestionSource, Trigger } from '../../schemas/index.ts';

/**
 * The rule-based coach: a fixed, reviewed sentence per trigger, in English and Simplified Chinese.
 * It is the fallback when no LLM is configured and the only voice for danger, which always gets
 * the deterministic stop message (DESIGN.md: never an LLM guess).
 */
export type Locale = 'en' | 'zh-CN';
export const locales: readonly Locale[] = ['en', 'zh-CN'];
export const MAX_CHARS = 140;

interface Advice {
  action: Action;
  targetZone: number | null;
  durationSec: number | null;
  source: SuggestionSource;
  text: Record<Locale, string>;
}

function advise(t: Trigger): Advice {
  const z = t.toZone;
  switch (t.kind) {
    case 'danger':
      return {
        action: 'stop',
        targetZone: null,
        durationSec: null,
        source: 'safety',
        text: {
          en: 'Heart rate above your max. Stop now and rest. If you feel chest pain, dizziness or faintness, get help.',
          'zh-CN': '心率超过您的最大心率。请立即停止并休息。如感到胸痛、头晕或乏力，请立即求助。',
        },
      };
    case 'overexertion':
      return {
        action: 'reduce_intensity',
        targetZone: 3,
        durationSec: 120,
        source: 'rules',
        text: {
          en: 'Over a minute near max. Ease to zone 3 for 2 min.',
          'zh-CN': '已接近最大强度超过一分钟。请降到3区，保持2分钟。',
        },
      };
    case 'readiness_drop':
      return {
        action: 'reduce_intensity',
        targetZone: 2,
        durationSec: 180,
        source: 'rules',
        text: {
          en: 'Readiness is low. Drop to easy zone 2 for 3 min.',
          'zh-CN': '身体准备度偏低。请降到轻松的2区，保持3分钟。',
        },
      };
    case 'zone_change':
      if (z >= 5) {
        return {
          action: 'hold',
          targetZone: 5,
          durationSec: 60,
          source: 'rules',
          text: {
            en: 'Zone 5: max effort. Keep it under a minute, then ease off.',
            'zh-CN': '5区：最大强度。保持不超过一分钟，然后放松。',
          },
        };
      }
      if (z < t.fromZone && z <= 2) {
        return {
          action: 'recover',
          targetZone: z,
          durationSec: 90,
          source: 'rules',
          text: {
            en: `Recovering in zone ${z}. Breathe deep and get ready for the next effort.`,
            'zh-CN': `${z}区恢复中。深呼吸，为下一组做好准备。`,
          },
        };
      }
      return {
        action: 'hold',
        targetZone: z,
        durationSec: 120,
        source: 'rules',
        text: {
          en:
            z > t.fromZone
              ? `Zone ${z}: good work. Settle in and hold this effort.`
              : `Down to zone ${z}. Nice control, hold it here.`,
          'zh-CN': z > t.fromZone ? `${z}区：很好。稳住，保持这个强度。` : `降到${z}区。控制得很好，保持住。`,
        },
      };
    default:
      return {
        action: 'hold',
        targetZone: null,
        durationSec: null,
        source: 'rules',
        text: { en: 'Keep going at a comfortable pace.', 'zh-CN': '保持舒适的节奏继续。' },
      };
  }
}

export function asLocale(value: string | null | undefined): Locale {
  return value === 'zh-CN' ? 'zh-CN' : 'en';
}

export function ruleSuggestion(t: Trigger, locale: Locale): Suggestion {
  const a = advise(t);
  return {
    suggestionId: `${t.triggerId}:s`,
    userId: t.userId,
    triggerId: t.triggerId,
    ts: t.ts,
    text: a.text[locale],
    action: a.action,
    targetZone: a.targetZone,
    durationSec: a.durationSec,
    locale,
    source: a.source,
  };
}
