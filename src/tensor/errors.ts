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
