export { startProcessor } from './processor-stage.ts';
export { TumblingWindows, type WindowSpec, type AddResult } from './tumbling.ts';
export { tanakaMaxHr, zoneOf } from './heart-rate.ts';
