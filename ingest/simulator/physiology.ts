import type { Athlete } from './athletes.ts';
import type { Rng } from './random.ts';
import type { Phase } from './workout.ts';

/**
 * One athlete's body in motion, stepped once per sample period. All state is in numeric fields
 * and every constant that depends only on the athlete and the period is worked out here once, so
 * a step allocates nothing (the caller owns the RR array it fills).
 *
 * Model (per step of dt):
 * - target HR of the phase: `pctMax·HRmax` + the extra bpm of a poor day, at least resting HR;
 *   rest phases sit a few bpm above today's resting HR (standing, not lying).
 * - first-order on/off kinetics toward target + drift (τ up ~30–40 s, τ down ~60 s, see
 *   athletes.ts for the sources): hr += (target − hr)·(1 − e^(−dt/τ)).
 * - cardiac drift accumulates at the athlete's bpm/min while the phase is an effort (≥ 60 % HRmax)
 *   and fades with τ = 10 min when resting or cooling down.
 * - beat-to-beat noise: an AR(1) fluctuation (σ 1 bpm, τ 5 s) on top of the smooth HR, as slow
 *   fluctuations show in real recordings; the reported bpm is the rounded sum.
 * - RR intervals: mean 60000/HR; successive beats vary independently with sd = RMSSD/√2 (for iid
 *   deviations, RMSSD = √2·sd). RMSSD falls exponentially with the fraction of heart-rate reserve,
 *   from the resting value to ~3 ms near max: vagal withdrawal during exercise (Michael, Graham &
 *   Davis 2017, Front Physiol 8:301).
 * - cadence follows the phase's cadence with τ = 4 s; steps accumulate from cadence.
 */
export class Body {
  /** latest outputs of `step` */
  bpm = 0;
  cadence = 0;
  steps = 0;

  private readonly plan: readonly Phase[];
  private readonly targets: Float64Array;
  private readonly restHr: number;
  private readonly maxHr: number;
  private readonly rmssdRest: number;
  private readonly aUp: number;
  private readonly aDown: number;
  private readonly driftPerStep: number;
  private readonly driftDecay: number;
  private readonly arPhi: number;
  private readonly arSigma: number;
  private readonly aCad: number;
  private readonly stepsPerCadence: number;
  private readonly cadenceJitter: number;

  private phase = 0;
  private phaseEndMs: number;
  private hr: number;
  private ar = 0;
  private drift = 0;
  private cad = 0;
  private stepAcc = 0;
  private lastBeatMs: number;
  private pendingRr = 0;

  constructor(
    athlete: Athlete,
    private readonly rng: Rng,
    startTs: number,
    periodMs: number,
  ) {
    const p = athlete.physiology;
    this.plan = athlete.plan;
    this.restHr = p.restHrToday;
    this.maxHr = athlete.maxHr;
    this.rmssdRest = p.rmssdRest;
    this.targets = new Float64Array(this.plan.length);
    for (let i = 0; i < this.plan.length; i++) {
      const ph = this.plan[i] as Phase;
      this.targets[i] =
        ph.pctMax <= 0
          ? p.restHrToday + 6
          : Math.min(athlete.maxHr, Math.max(p.restHrToday + 10, ph.pctMax * athlete.maxHr + p.readinessBpm));
    }
    const dt = periodMs / 1000;
    this.aUp = 1 - Math.exp(-dt / p.tauUpSec);
    this.aDown = 1 - Math.exp(-dt / p.tauDownSec);
    this.driftPerStep = (p.driftBpmPerMin * dt) / 60;
    this.driftDecay = Math.exp(-dt / 600);
    this.arPhi = Math.exp(-dt / 5);
    this.arSigma = 1.0 * Math.sqrt(1 - this.arPhi * this.arPhi);
    this.aCad = 1 - Math.exp(-dt / 4);
    this.stepsPerCadence = dt / 60;
    this.cadenceJitter = 1.5;

    this.phaseEndMs = startTs + (this.plan[0] as Phase).durationSec * 1000;
    this.hr = (this.targets[0] as number) + rng.normal() * 2;
    // the beat before the first sample fell somewhere within the last interval
    this.lastBeatMs = startTs - rng.next() * (60000 / this.hr);
  }

  /** The phase the body is in now. */
  currentPhase(): Phase {
    return this.plan[this.phase] as Phase;
  }

  /**
   * Advances to true time `tMs`. When `rr` is given, the RR intervals of the beats completed
   * since the previous step are appended to it (at most the last 64, as a strap's buffer holds).
   */
  step(tMs: number, rr: number[] | null): void {
    while (tMs >= this.phaseEndMs) {
      this.phase = this.phase + 1 < this.plan.length ? this.phase + 1 : 1;
      this.phaseEndMs += (this.plan[this.phase] as Phase).durationSec * 1000;
    }
    const ph = this.plan[this.phase] as Phase;
    if (ph.pctMax >= 0.6) this.drift += this.driftPerStep;
    else this.drift *= this.driftDecay;

    let target = (this.targets[this.phase] as number) + this.drift;
    if (target > this.maxHr + 2) target = this.maxHr + 2;
    this.hr += (target - this.hr) * (target > this.hr ? this.aUp : this.aDown);
    this.ar = this.arPhi * this.ar + this.arSigma * this.rng.normal();
    let inst = this.hr + this.ar;
    if (inst < 20) inst = 20;
    else if (inst > 250) inst = 250;
    this.bpm = Math.round(inst);

    // cadence and steps
    this.cad += (ph.cadence - this.cad) * this.aCad;
    this.stepAcc += this.cad * this.stepsPerCadence;
    this.steps = Math.floor(this.stepAcc);
    this.cadence = this.cad < 10 ? 0 : Math.max(0, Math.round(this.cad + this.cadenceJitter * this.rng.normal()));

    // beats of this period
    let x = (this.hr - this.restHr) / (this.maxHr - this.restHr);
    if (x < 0) x = 0;
    else if (x > 1) x = 1;
    const rmssd = 3 + (this.rmssdRest - 3) * Math.exp(-3.5 * x);
    const sd = rmssd * Math.SQRT1_2;
    const meanRr = 60000 / inst;
    for (;;) {
      if (this.pendingRr === 0) {
        let v = Math.round(meanRr + sd * this.rng.normal());
        if (v < 200) v = 200;
        else if (v > 3000) v = 3000;
        this.pendingRr = v;
      }
      if (this.lastBeatMs + this.pendingRr > tMs) break;
      this.lastBeatMs += this.pendingRr;
      if (rr !== null) {
        if (rr.length === 64) rr.shift();
        rr.push(this.pendingRr);
      }
      this.pendingRr = 0;
    }
  }
}
