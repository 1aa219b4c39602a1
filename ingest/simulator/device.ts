import type { Sample } from '../../schemas/index.ts';
import type { Athlete } from './athletes.ts';
import { MAX_LAG_MS, type DeviceFaults } from './faults.ts';
import type { Body } from './physiology.ts';

/**
 * One athlete's device: samples its body every period and hands them over with their delivery
 * times, faults applied. Samples not yet due wait in `pending`. The sample objects are the only
 * per-sample allocations (plus their rr arrays, and copies for resends).
 *
 * Times: `t` is the true time of a reading; the sample's `ts` is t + the device's clock skew; the
 * delivery time `d` ≥ t is when it reaches the receiver (simulated wall clock).
 */
export class DeviceStream {
  private k = 0;
  private readonly pendS: Sample[] = [];
  private readonly pendD: number[] = [];
  /** the last samples sent, for resends after a reconnect (ring buffer) */
  private readonly recent: (Sample | null)[];
  private recentAt = 0;

  constructor(
    private readonly athlete: Athlete,
    private readonly body: Body,
    private readonly faults: DeviceFaults | null,
    /** true time of the first reading */
    private readonly t0: number,
    private readonly periodMs: number,
    /** number of readings over the duration */
    private readonly count: number,
  ) {
    this.recent = new Array<Sample | null>(faults?.resend ?? 0).fill(null);
  }

  /** Appends to (outS, outD) every sample due at or before `untilTs` (delivery time), in generation order. */
  generate(untilTs: number, outS: Sample[], outD: number[]): void {
    if (this.pendS.length > 0) this.flushPending(untilTs, outS, outD);
    const a = this.athlete;
    const f = this.faults;
    const skew = f === null ? 0 : f.skewMs;
    while (this.k < this.count) {
      const t = this.t0 + Math.round(this.k * this.periodMs);
      if (t > untilTs) break;
      this.k++;
      if (f !== null && f.dropped(t)) {
        this.body.step(t, null);
        // what was sent before the drop-out was acknowledged: nothing to resend
        this.recent.fill(null);
        continue;
      }
      const rr: number[] = [];
      this.body.step(t, a.hasRr ? rr : null);
      const s: Sample = {
        userId: a.userId,
        deviceId: a.deviceId,
        ts: t + skew,
        bpm: this.body.bpm,
        rr,
        steps: a.hasCadence ? this.body.steps : null,
        cadence: a.hasCadence ? this.body.cadence : null,
        power: null,
        speed: null,
        receivedAt: 0,
      };
      if (f === null) {
        outS.push(s);
        outD.push(t);
        continue;
      }
      const base = f.baseDelivery(t);
      this.emit(s, f.delivery(t, base), untilTs, outS, outD);
      if (this.recent.length > 0) {
        this.recent[this.recentAt] = s;
        this.recentAt = (this.recentAt + 1) % this.recent.length;
        if (f.reconnects(t)) {
          // resend the last samples, oldest first, as exact copies, right after the newest one
          // left; never one more than MAX_LAG_MS older than the newest (the out-of-order bound)
          for (let i = 0; i < this.recent.length; i++) {
            const old = this.recent[(this.recentAt + i) % this.recent.length];
            if (old && s.ts - old.ts <= MAX_LAG_MS) this.emit(copy(old), base, untilTs, outS, outD);
          }
        }
      }
    }
  }

  private emit(s: Sample, d: number, untilTs: number, outS: Sample[], outD: number[]): void {
    if (d <= untilTs) {
      outS.push(s);
      outD.push(d);
    } else {
      this.pendS.push(s);
      this.pendD.push(d);
    }
  }

  private flushPending(untilTs: number, outS: Sample[], outD: number[]): void {
    let kept = 0;
    for (let i = 0; i < this.pendS.length; i++) {
      const s = this.pendS[i] as Sample;
      const d = this.pendD[i] as number;
      if (d <= untilTs) {
        outS.push(s);
        outD.push(d);
      } else {
        this.pendS[kept] = s;
        this.pendD[kept] = d;
        kept++;
      }
    }
    this.pendS.length = kept;
    this.pendD.length = kept;
  }
}

function copy(s: Sample): Sample {
  return {
    userId: s.userId,
    deviceId: s.deviceId,
    ts: s.ts,
    bpm: s.bpm,
    rr: s.rr.slice(),
    steps: s.steps,
    cadence: s.cadence,
    power: s.power,
    speed: s.speed,
    receivedAt: 0,
  };
}
