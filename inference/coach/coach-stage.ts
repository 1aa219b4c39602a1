import type { Suggestion } from '../../schemas/index.ts';
import { serde, topics } from '../../schemas/index.ts';
import { createTaskState, emitter, runStage, type RunningStage, type StageDeps } from '../../platform/index.ts';
import { asLocale, ruleSuggestion, type Locale } from './rules.ts';

const STAGE = 'coach';

/**
 * Turns triggers into suggestions in the athlete's locale (from pulse.profiles.v1). This first
 * coach is rule-based; an LLM coach (with safety rules checked after it) plugs in here later.
 */
export function startCoach(deps: StageDeps): RunningStage {
  const locales = createTaskState<{ locale: string }>({
    type: 'record',
    name: 'CoachUser',
    fields: [{ name: 'locale', type: 'string' }],
  });
  const suggestions = emitter(deps, STAGE, 'suggestions');
  const profiles = serde('Profile');
  const triggers = serde('Trigger');

  return runStage(deps, {
    name: STAGE,
    inputs: ['profiles', 'triggers'],
    // a profile checked in just before a trigger gives its locale (on Kafka the topics interleave)
    tables: 1,
    async onBatch(records, task, dead) {
      const out: Suggestion[] = [];
      for (const record of records) {
        try {
          if (record.topic === topics.profiles.name) {
            const p = profiles.decode(record.value);
            // only athletes who are not coached in English take memory
            if (asLocale(p.locale) === 'en') locales.delete(task, p.userId);
            else locales.set(task, p.userId, { locale: p.locale });
          } else {
            const t = triggers.decode(record.value);
            const locale: Locale = asLocale(locales.get(task, t.userId)?.locale);
            out.push(ruleSuggestion(t, locale));
          }
        } catch (err) {
          dead.add(record, 'undecodable', (err as Error).message);
        }
      }
      await suggestions.send(out);
    },
    onAssign: (task, snapshot) => locales.restore(task, snapshot),
    onRelease: (task) => locales.drop(task),
    snapshot: (task) => locales.snapshot(task),
  });
}
