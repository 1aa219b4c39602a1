/** What inference remembers per user between windows (compact: one per active user). */
export interface LiveState {
  /** end of the last window scored: replays of older windows are ignored */
  lastWindowEnd: number;
  /** Banister TRIMP accumulated this session */
  sessionLoad: number;
  /** consecutive windows at ≥ 90 % HRmax */
  highStreak: number;
  /** consecutive windows at ≥ 100 % HRmax */
  overMaxStreak: number;
  prevZone: number;
  prevHrMean: number;
  /** zone last reported in a trigger, and a candidate zone waiting to be confirmed */
  reportedZone: number;
  pendingZone: number;
  pendingCount: number;
  lastTriggerTs: number;
  lastDangerTs: number;
  lastScore: number;
}

export const liveStateSchema = {
  type: 'record',
  name: 'LiveState',
  fields: [
    { name: 'lastWindowEnd', type: 'double' },
    { name: 'sessionLoad', type: 'double' },
    { name: 'highStreak', type: 'int' },
    { name: 'overMaxStreak', type: 'int' },
    { name: 'prevZone', type: 'int' },
    { name: 'prevHrMean', type: 'double' },
    { name: 'reportedZone', type: 'int' },
    { name: 'pendingZone', type: 'int' },
    { name: 'pendingCount', type: 'int' },
    { name: 'lastTriggerTs', type: 'double' },
    { name: 'lastDangerTs', type: 'double' },
    { name: 'lastScore', type: 'int' },
  ],
};

export function newLiveState(): LiveState {
  return {
    lastWindowEnd: -Infinity,
    sessionLoad: 0,
    highStreak: 0,
    overMaxStreak: 0,
    prevZone: -1,
    prevHrMean: Number.NaN,
    reportedZone: -1,
    pendingZone: -1,
    pendingCount: 0,
    lastTriggerTs: -Infinity,
    lastDangerTs: -Infinity,
    lastScore: -1,
  };
}
