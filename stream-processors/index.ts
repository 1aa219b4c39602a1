export { startProcessor } from './processor-stage.ts';
export {
  WindowEngine,
  windowPhase,
  DEFAULT_MAX_HR,
  DEFAULT_REST_HR,
  type AddResult,
  type EngineOptions,
  type Emit,
} from './engine/engine.ts';
export type { EngineSample } from './engine/sample-buffer.ts';
export { userStreamSchema, type UserStream } from './engine/user-stream.ts';
export * from './features/index.ts';
export { analyzeSeries, type AnalysisInput, type RecordingAnalysis } from './recording-analysis.ts';
export { startSink } from './sink/index.ts';
