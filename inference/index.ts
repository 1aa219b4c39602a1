export { startInference } from './inference-stage.ts';
export { startCoach } from './coach/coach-stage.ts';
export { scoreWindow, bandOf, scoredFields, type ScoredWindow } from './readiness.ts';
export { newLiveState, type LiveState } from './live-state.ts';
export { detectTriggers } from './triggers.ts';
export { ruleSuggestion, locales, type Locale } from './coach/rules.ts';
export { trainingSet, type TrainingRow } from './training-set.ts';
