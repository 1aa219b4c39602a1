export { startSink } from './sink-stage.ts';
