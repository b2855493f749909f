import type { Tensor } from './tensor.ts';

/** Tensors created inside the innermost tidy() scope. */
const scopes: Set<Tensor>[] = [];

export function trackInScope(t: Tensor): void {
  if (scopes.length) scopes[scopes.length - 1].add(t);
}

/** Keep a tensor alive past the tidy() that made it (moves it out of every scope). */
export function keep<T extends Tensor>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

function collect(value: unknown, into: Set<Tensor>, seen = new Set<unknown>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if ((value as Tensor).shape !== undefined && typeof (value as Tensor).dispose === 'function' && 'storageRef' in (value as object)) {
    into.add(value as Tensor);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collect(v, into, seen);
  else if (value instanceof Map) for (const v of value.values()) collect(v, into, seen);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) collect(v, into, seen);
}

/**
 * Run fn; dispose every tensor it created that is not part of its result (tensors in returned
 * arrays/objects/maps survive and move to the enclosing scope; their values are computed). Async functions are not allowed:
 * a scope must close before other work interleaves.
 */
export function tidy<T>(fn: () => T): T {
  return scoped(fn, true);
}

/**
 * tidy() that leaves pending results pending: what they read is freed when they run. For the
 * autograd engine's per-node scope, whose results (gradients) are used right after it, so that
 * the elementwise work of consecutive vjps can fuse.
 */
export function tidyPending<T>(fn: () => T): T {
  return scoped(fn, false);
}

function scoped<T>(fn: () => T, realize: boolean): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) throw new Error('tidy(fn): fn must be synchronous (it returned a Promise)');
  const survivors = new Set<Tensor>();
  collect(result, survivors);
  for (const t of scope) {
    if (!survivors.has(t)) continue;
    trackInScope(t);
    // a result still pending in a lazy backend (WebGPU fusion) runs now, so that what fn made and
    // did not return is freed here, not when the result is first used
    if (realize && !t.isDisposed) t.backend.realize?.(t.storageRef.handle);
  }
  for (const t of scope) if (!survivors.has(t)) t.dispose();
  return result;
}
