import type { StoreInfo } from './types.ts';

/**
 * What a ClickHouse version can do, decided here only. Query parameters arrived in 19.x and TTL
 * in 19.6, JSONCompactEachRow in 19.x too; the two versions seen here are 18.16 (Debian's server: neither) and 26.x (chDB: both),
 * so anything from 20 on counts as able.
 */
export function capabilitiesOf(version: string): Pick<StoreInfo, 'boundParameters' | 'ttl' | 'rowFormat'> {
  const major = Number.parseInt(version.split('.')[0] ?? '', 10);
  const modern = Number.isFinite(major) && major >= 20;
  return { boundParameters: modern, ttl: modern, rowFormat: modern ? 'JSONCompactEachRow' : 'TabSeparated' };
}
