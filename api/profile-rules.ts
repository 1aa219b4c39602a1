import type { Profile } from '../schemas/index.ts';
import { ApiError } from './errors.ts';

/**
 * What the JSON schema of one field cannot say: a resting HR must leave a heart-rate reserve
 * below HRmax (% HRR, reserve zones and Banister TRIMP divide by it). `given`: the fields the
 * request gave, when the profile is merged over a stored one.
 */
export function assertPlausibleProfile(p: Profile, given: Partial<Profile> = p): void {
  if (p.restHr !== null && p.maxHr !== null && p.restHr >= p.maxHr) {
    // a value the request did not give is the stored profile's: not for whoever sent it to read
    const value = (k: 'restHr' | 'maxHr') => (given[k] != null ? `(${p[k]})` : "(the athlete's current one)");
    throw new ApiError('invalid_request', {
      reason: `restHr ${value('restHr')} must be below maxHr ${value('maxHr')}`,
    });
  }
}
