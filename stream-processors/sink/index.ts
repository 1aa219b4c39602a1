export { startSink, type SinkOptions } from './sink-stage.ts';
