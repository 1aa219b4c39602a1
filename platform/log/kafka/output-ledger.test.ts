import { describe, expect, it } from 'vitest';
import { decodeOutputIds, OutputLedger, parseChangelogKey } from './output-ledger.ts';

/** The ledger records of one commit without a snapshot, as a restore reads them back. */
function idsOf(ledger: OutputLedger): string[] {
  return ledger.changelogRecords(false).flatMap((r) => decodeOutputIds(r.value!));
}

describe('OutputLedger', () => {
  it('records the ids of a transaction and drops, on a replay, what was committed since the snapshot', () => {
    const first = new OutputLedger(3, new Set(), []);
    expect(first.admit('features', ['ana', 'ben'], ['live@10', 'live@10'])).toEqual([0, 1]);
    const committed = idsOf(first);
    const [record] = first.changelogRecords(false);
    expect(parseChangelogKey(record!.key)).toEqual({ task: 3, ids: true });
    first.committedNow(false);

    // a member restores the snapshot before that commit and computes the same windows again
    const replay = new OutputLedger(3, new Set(committed), [record!.key]);
    expect(replay.replaying).toBe(true);
    // ana's window was committed; a new one of ana's, and ben's window on another topic, were not
    expect(replay.admit('features', ['ana', 'ana', 'ben'], ['live@10', 'live@20', 'x'])).toEqual([1, 2]);
    expect(replay.admit('dlq', ['ben'], ['live@10'])).toEqual([0]);
    expect(idsOf(replay)).toHaveLength(3);
    replay.caughtUp();
    expect(replay.replaying).toBe(false);
    // back where the earlier owner committed: nothing it computes now was produced before
    expect(replay.admit('features', ['ana'], ['live@10'])).toEqual([0]);
  });

  it('refuses an output without an id: it could not be recognised on a replay', () => {
    const ledger = new OutputLedger(0, new Set(), []);
    expect(() => ledger.admit('features', ['ana'], [undefined])).toThrow(/without an id/);
  });

  it('writes nothing for a transaction without outputs, and tombstones its id records at a snapshot', () => {
    const ledger = new OutputLedger(1, new Set(), ['1/earlier-owner.0']);
    expect(ledger.changelogRecords(false)).toEqual([]);
    ledger.admit('features', ['ana'], ['live@10']);
    const [written] = ledger.changelogRecords(false);
    ledger.committedNow(false);
    ledger.admit('features', ['ana'], ['live@20']);
    const [next] = ledger.changelogRecords(false);
    // each transaction's record has a key of its own, or compaction would keep only the last
    expect(next!.key).not.toBe(written!.key);
    ledger.committedNow(false);
    expect(ledger.changelogRecords(true)).toEqual([
      { key: '1/earlier-owner.0', value: null },
      { key: written!.key, value: null },
      { key: next!.key, value: null },
    ]);
    ledger.committedNow(true);
    expect(ledger.changelogRecords(true)).toEqual([]);
  });

  it('tells checkpoint keys from id record keys', () => {
    expect(parseChangelogKey('12')).toEqual({ task: 12, ids: false });
    expect(parseChangelogKey('12/5d1c.3')).toEqual({ task: 12, ids: true });
  });
});
