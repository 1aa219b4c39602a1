import { idRule, isId, MIN_TS, show } from './sample-rules.ts';

/**
 * What a Session's values may be: the check-in route refuses a session that breaks a rule (its
 * JSON schema uses ALIAS_PATTERN and ALIAS_MAX_LENGTH), and the api's live view dead-letters one
 * found on pulse.sessions.v1 (reason `invalid`), which a producer outside pulsecoach may write. A
 * session started far ahead would pin its athlete to its floor (every later check-in is older), and
 * an alias is shown on every screen of the floor.
 */

/** something visible, and no control, bidi or zero-width characters but the joiner of emoji sequences */
export const ALIAS_PATTERN = '^(?:[^\\p{C}]|\\u200d)*[^\\p{C}\\s](?:[^\\p{C}]|\\u200d)*$';
export const ALIAS_MAX_LENGTH = 40;
const alias = new RegExp(ALIAS_PATTERN, 'u');

/** The rules a session's fields break (each `<field>: <rule>, got <value>`); `latestTs` as for a sample. */
export function sessionProblems(session: object, latestTs: number): string[] {
  const s = session as Readonly<Record<string, unknown>>;
  const problems: string[] = [];
  for (const field of ['sessionId', 'userId', 'floorId'])
    if (!isId(s[field])) problems.push(`${field}: ${idRule(s[field])}`);
  const a = s['alias'];
  // (JSON Schema's lengths count code points)
  if (typeof a !== 'string' || [...a].length > ALIAS_MAX_LENGTH || !alias.test(a))
    problems.push(
      `alias: must be 1-${ALIAS_MAX_LENGTH} characters with a visible one and no control, bidi or zero-width one, got ${show(a)}`,
    );
  const { startedAt, endedAt } = s;
  if (!Number.isSafeInteger(startedAt) || (startedAt as number) < MIN_TS || (startedAt as number) > latestTs)
    problems.push(
      `startedAt: must be ms since the epoch, from 2000 to the allowed clock skew ahead, got ${show(startedAt)}`,
    );
  else if (
    endedAt !== null &&
    endedAt !== undefined &&
    (!Number.isSafeInteger(endedAt) || (endedAt as number) < (startedAt as number) || (endedAt as number) > latestTs)
  )
    problems.push(
      `endedAt: must be ms since the epoch, from startedAt to the allowed clock skew ahead, got ${show(endedAt)}`,
    );
  return problems;
}
