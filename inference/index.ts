export { startInference } from './inference-stage.ts';
export { startCoach } from './coach/coach-stage.ts';
export { scoreWindow, banisterTrimp, bandOf } from './readiness.ts';
export { detectTriggers } from './triggers.ts';
export { ruleSuggestion, locales, type Locale } from './coach/rules.ts';
