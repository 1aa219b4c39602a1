import { describe, expect, it } from 'vitest';
import type { Trigger, TriggerKind } from '../../schemas/index.ts';
import { MAX_CHARS, locales, ruleSuggestion } from './rules.ts';

const trigger = (kind: TriggerKind, fromZone: number, toZone: number): Trigger => ({
  triggerId: `u1:${kind}:1000`,
  userId: 'u1',
  ts: 1000,
  kind,
  fromZone,
  toZone,
  pctMax: 80,
  readiness: 70,
  detail: '',
});

const kinds: TriggerKind[] = ['zone_change', 'overexertion', 'readiness_drop', 'danger', 'drift', 'sensor_lost'];

describe('ruleSuggestion', () => {
  it.each(locales)('fits a watch (≤ 140 chars) for every trigger in %s', (locale) => {
    for (const kind of kinds) {
      for (const [from, to] of [
        [1, 5],
        [4, 2],
        [2, 3],
        [4, 3],
      ] as const) {
        expect(ruleSuggestion(trigger(kind, from, to), locale).text.length).toBeLessThanOrEqual(MAX_CHARS);
      }
    }
  });

  it('answers danger with the deterministic safety stop', () => {
    const s = ruleSuggestion(trigger('danger', 4, 5), 'en');
    expect(s).toMatchObject({ action: 'stop', source: 'safety', suggestionId: 'u1:danger:1000:s' });
    expect(s.text).toMatch(/^Heart rate above your max\. Stop now/);
  });

  it('speaks the athlete’s locale', () => {
    expect(ruleSuggestion(trigger('zone_change', 2, 3), 'zh-CN').text).toBe('3区：很好。稳住，保持这个强度。');
    expect(ruleSuggestion(trigger('zone_change', 2, 3), 'en').text).toBe(
      'Zone 3: good work. Settle in and hold this effort.',
    );
  });

  it('advises recovery when dropping to an easy zone and easing off after overexertion', () => {
    expect(ruleSuggestion(trigger('zone_change', 4, 2), 'en')).toMatchObject({ action: 'recover', targetZone: 2 });
    expect(ruleSuggestion(trigger('overexertion', 5, 5), 'en')).toMatchObject({
      action: 'reduce_intensity',
      targetZone: 3,
      durationSec: 120,
    });
  });
});
