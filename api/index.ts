export { buildApi, type Api, type ApiOptions } from './app.ts';
export { ApiError, errorTable, errorCodes, type ErrorCode, type ErrorBody } from './errors.ts';
export type { LiveView, Tile, Live, LatestReadiness, SuggestionEvent } from './live-view.ts';
export { buildOpsServer } from './ops-server.ts';
