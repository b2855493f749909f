import type { Backend } from '../kernels/backend.ts';
import { fusionEnabled, onFusionChange } from './fusion.ts';

/** Global runtime state: the active backend, grad mode and tidy scopes. */
let active: Backend | null = null;
let defaultFactory: (() => Backend) | null = null;

export function setBackend(b: Backend): void {
  active = b;
  b.setFusion?.(fusionEnabled());
}
onFusionChange((on) => active?.setFusion?.(on));

/** The CPU backend registers itself as the fallback so that `import` alone is enough to compute. */
export function setDefaultBackendFactory(f: () => Backend): void {
  defaultFactory = f;
}

export function getBackend(): Backend {
  if (!active) {
    if (!defaultFactory) throw new Error('webgan: no backend; call `await init()` first');
    active = defaultFactory();
  }
  return active;
}

export function hasBackend(): boolean {
  return active !== null;
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Run fn with gradient recording switched off (like torch.no_grad). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

export function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = enabled;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}
