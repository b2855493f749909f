/** Raised by a shape rule: names the op, the argument and the shapes involved. */
export class ShapeError extends Error {
  constructor(op: string, message: string) {
    super(`${op}: ${message}`);
    this.name = 'ShapeError';
  }
}

/** Raised by the autograd engine (freed graph, no grad required, ...). */
export class AutogradError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AutogradError';
  }
}

/** Tensors from two backends met in one op (or a copy between them is not possible). */
export class BackendMismatchError extends Error {
  constructor(op: string, a: string, b: string, detail?: string) {
    super(`${op}: tensors live on different backends (${a} and ${b})${detail ? `; ${detail}` : ''}`);
    this.name = 'BackendMismatchError';
  }
}
