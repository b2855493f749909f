import type { Optimizer } from './optim.ts';

/**
 * Learning-rate schedulers with torch.optim.lr_scheduler's (recursive) formulas. Construction
 * performs step 0 (lr = base lr); call `step()` once per epoch after `optimizer.step()`.
 */
export abstract class LRScheduler {
  lastEpoch = -1;
  readonly baseLrs: number[];
  private lastLr: number[] = [];

  constructor(readonly optimizer: Optimizer) {
    for (const g of optimizer.paramGroups) if (g.initialLr === undefined) g.initialLr = g.lr;
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
    this.step();
  }

  /** The lr of each group for `this.lastEpoch` (given the current group lrs). */
  protected abstract getLr(): number[];

  step(): void {
    this.lastEpoch++;
    const lrs = this.getLr();
    this.optimizer.paramGroups.forEach((g, i) => { g.lr = lrs[i]; });
    this.lastLr = lrs;
  }

  getLastLr(): number[] { return [...this.lastLr]; }

  stateDict(): { lastEpoch: number; baseLrs: number[]; lastLr: number[] } {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs], lastLr: [...this.lastLr] };
  }
  loadStateDict(sd: { lastEpoch: number; lastLr?: number[] }): void {
    this.lastEpoch = sd.lastEpoch;
    if (sd.lastLr) this.lastLr = [...sd.lastLr];
  }
}

/** lr ← lr·γ every `stepSize` epochs. */
export class StepLR extends LRScheduler {
  constructor(optimizer: Optimizer, readonly stepSize: number, readonly gamma = 0.1) {
    super(optimizer);
  }
  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }
}

/** lr ← lr·γ every epoch. */
export class ExponentialLR extends LRScheduler {
  constructor(optimizer: Optimizer, readonly gamma: number) {
    super(optimizer);
  }
  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    return this.lastEpoch === 0 ? groups.map((g) => g.lr) : groups.map((g) => g.lr * this.gamma);
  }
}

/** lr = base·f(epoch) */
export class LambdaLR extends LRScheduler {
  constructor(optimizer: Optimizer, readonly lrLambda: (epoch: number) => number) {
    super(optimizer);
  }
  protected getLr(): number[] { return this.baseLrs.map((b) => b * this.lrLambda(this.lastEpoch)); }
}

/**
 * Cosine annealing from the base lr to etaMin over tMax epochs (torch's recursive form):
 *   lr_t = (1 + cos(π t/T)) / (1 + cos(π (t−1)/T)) · (lr_{t−1} − η_min) + η_min
 */
export class CosineAnnealingLR extends LRScheduler {
  constructor(optimizer: Optimizer, readonly tMax: number, readonly etaMin = 0) {
    super(optimizer);
  }
  protected getLr(): number[] {
    const t = this.lastEpoch, T = this.tMax, e = this.etaMin;
    const groups = this.optimizer.paramGroups;
    if (t === 0) return groups.map((g) => g.lr);
    const mod = (a: number, n: number) => ((a % n) + n) % n;
    if (mod(t - 1 - T, 2 * T) === 0) {
      return groups.map((g, i) => g.lr + ((this.baseLrs[i] - e) * (1 - Math.cos(Math.PI / T))) / 2);
    }
    return groups.map((g) => ((1 + Math.cos((Math.PI * t) / T)) / (1 + Math.cos((Math.PI * (t - 1)) / T))) * (g.lr - e) + e);
  }
}
