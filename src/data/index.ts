export { parseIdx, decodeIdx, readIdx, encodeIdx, loadIdxDataset, bytesToUnit, IdxError, type IdxArray, type IdxType, type IdxData, type ImageDataset, type IdxDatasetOptions } from './idx.ts';
export { loadFashionMnist, FASHION_MNIST_CLASSES, BUNDLED_FASHION_MNIST_DIR, type FashionMnistOptions } from './fashion.ts';
export { sampleMixture, mixtureModes, mixtureStd, MIXTURES, MIXTURE_EXTENT, type MixtureName, type MixtureModes } from './mixtures.ts';
export { loadImageFolder, decodePng, resizePlane, type ImageFolderOptions, type ImageFolderDataset } from './imagefolder.ts';
export { DataLoader, shufflePermutation, type ArrayDataset, type DataLoaderOptions, type LoaderState, type Batch } from './loader.ts';
export { streamPermutation, cropFlipAt, cropFlipInto, type CropFlip } from './augment.ts';
