/**
 * The files `webgan lab` serves beside the page (src/cli/lab.ts), by the paths the page's workers
 * fetch them from: the Fashion-MNIST training split and the bundled classifier for the image view,
 * and the test split (4.4 MB) for the model view's test grid of a translation checkpoint.
 */
export const LAB_FILES = {
  trainImages: 'data/fashion-mnist/train-images-idx3-ubyte.gz',
  trainLabels: 'data/fashion-mnist/train-labels-idx1-ubyte.gz',
  classifier: 'models/fashion-classifier.safetensors',
  testImages: 'data/fashion-mnist/t10k-images-idx3-ubyte.gz',
  testLabels: 'data/fashion-mnist/t10k-labels-idx1-ubyte.gz',
} as const;

/** Every served data file, repository-relative. */
export const LAB_DATA: readonly string[] = Object.values(LAB_FILES);

/** A served file's URL, from inside one of the page's workers. */
export const servedFile = (path: string): URL => new URL(path, self.location.href);
