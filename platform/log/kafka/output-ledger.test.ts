import { describe, expect, it } from 'vitest';
import { decodeOutputIds, OutputLedger, parseChangelogKey } from './output-ledger.ts';

const AT = { 'pulse.samples.v1': 120 };

describe('OutputLedger', () => {
  it('records the ids and offsets of a transaction and drops, on a replay, what was committed since the snapshot', () => {
    const first = new OutputLedger(3, new Set(), 0);
    expect(first.admit('features', ['ana', 'ben'], ['live@10', 'live@10'])).toEqual([0, 1]);
    const record = first.changelogRecord(AT)!;
    expect(parseChangelogKey(record.key)).toEqual({ task: 3, ids: true });
    const { positions, ids } = decodeOutputIds(record.value);
    expect(positions).toEqual(AT);
    first.committedNow(false);

    // a member restores the snapshot before that commit and computes the same windows again
    const replay = new OutputLedger(3, new Set(ids), 1);
    expect(replay.replaying).toBe(true);
    // ana's window was committed; a new one of ana's, and ben's under another id, were not
    expect(replay.admit('features', ['ana', 'ana', 'ben'], ['live@10', 'live@20', 'x'])).toEqual([1, 2]);
    // nor was anything of that key and id on another topic
    expect(replay.admit('dlq', ['ben'], ['live@10'])).toEqual([0]);
    expect(decodeOutputIds(replay.changelogRecord(AT)!.value).ids).toHaveLength(3);
    replay.endReplay();
    expect(replay.replaying).toBe(false);
    // back where the earlier owner committed: nothing it computes now was produced before
    expect(replay.admit('features', ['ana'], ['live@10'])).toEqual([0]);
  });

  it('refuses an output without an id: it could not be recognised on a replay', () => {
    const ledger = new OutputLedger(0, new Set(), 0);
    expect(() => ledger.admit('features', ['ana'], [undefined])).toThrow(/without an id/);
  });

  it('counts its records since the snapshot in their keys, and starts again after one', () => {
    // two id records were written since the snapshot by the member this one took over from
    const ledger = new OutputLedger(1, new Set(), 2);
    expect(ledger.changelogRecord(AT)).toBeNull();
    ledger.admit('features', ['ana'], ['live@10']);
    expect(ledger.changelogRecord(AT)!.key).toBe('1/2');
    ledger.committedNow(false);
    ledger.admit('features', ['ana'], ['live@20']);
    expect(ledger.changelogRecord(AT)!.key).toBe('1/3');
    // a commit with a snapshot: the same keys are written again after it (compaction drops the old)
    ledger.committedNow(true);
    ledger.admit('features', ['ana'], ['live@30']);
    expect(ledger.changelogRecord(AT)!.key).toBe('1/0');
  });

  it('tells checkpoint keys from id record keys, and neither from anything else', () => {
    expect(parseChangelogKey('12')).toEqual({ task: 12, ids: false });
    expect(parseChangelogKey('12/3')).toEqual({ task: 12, ids: true });
    expect(parseChangelogKey('')).toBeNull();
    expect(parseChangelogKey('12/x')).toBeNull();
  });
});
