import { blocksFor } from '../base/philox.ts';

/**
 * The global generator: a Philox key (the seed) and a block offset into its stream.
 * Every random op takes the next ceil(n/4) blocks, so the state is two numbers.
 */
export interface RngState {
  seed: [number, number];
  offset: number;
}

let state: RngState = { seed: [0x2545f491, 0x9e3779b9], offset: 0 };

/** Seed the generator (like torch.manual_seed); n is any non-negative safe integer. */
export function manualSeed(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`manualSeed: seed must be a non-negative safe integer, got ${n}`);
  state = { seed: [n >>> 0, Math.floor(n / 4294967296) >>> 0], offset: 0 };
}

export function getRngState(): RngState {
  return { seed: [state.seed[0], state.seed[1]], offset: state.offset };
}

export function setRngState(s: RngState): void {
  if (!Array.isArray(s.seed) || s.seed.length !== 2 || !Number.isSafeInteger(s.offset) || s.offset < 0) {
    throw new RangeError(`setRngState: invalid state ${JSON.stringify(s)}`);
  }
  state = { seed: [s.seed[0] >>> 0, s.seed[1] >>> 0], offset: s.offset };
}

/** Reserve the blocks for a draw of n elements; returns the key and the first block. */
export function takeBlocks(n: number): { seed: [number, number]; offset: number } {
  const taken = { seed: state.seed, offset: state.offset };
  state = { seed: state.seed, offset: state.offset + blocksFor(n) };
  return taken;
}
