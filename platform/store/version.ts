import type { StoreInfo } from './types.ts';

/**
 * What a ClickHouse version can do, decided here only. Query parameters arrived in 19.x and TTL
 * in 19.6; the two versions seen here are 18.16 (Debian's server: neither) and 26.x (chDB: both),
 * so anything from 20 on counts as able.
 */
export function capabilitiesOf(version: string): Pick<StoreInfo, 'boundParameters' | 'ttl'> {
  const major = Number.parseInt(version.split('.')[0] ?? '', 10);
  const modern = Number.isFinite(major) && major >= 20;
  return { boundParameters: modern, ttl: modern };
}

/**
 * Row fields without a column are skipped, as the events carry processing metadata the history
 * does not keep (traceArrivalMs); schemas.test checks that every other field has its column.
 */
export const insertSettings = { input_format_skip_unknown_fields: 1 } as const;
