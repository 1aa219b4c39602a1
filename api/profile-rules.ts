import type { Profile } from '../schemas/index.ts';
import { ApiError } from './errors.ts';

/**
 * What the JSON schema of one field cannot say: a resting HR must leave a heart-rate reserve
 * below HRmax (% HRR, reserve zones and Banister TRIMP divide by it).
 */
export function assertPlausibleProfile(p: Profile): void {
  if (p.restHr !== null && p.maxHr !== null && p.restHr >= p.maxHr) {
    throw new ApiError('invalid_request', { reason: `restHr (${p.restHr}) must be below maxHr (${p.maxHr})` });
  }
}
