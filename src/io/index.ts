export { encodeSafetensors, decodeSafetensors, parseSafetensorsHeader, tensorsToSafetensors, safetensorsToTensors, tensorsToHost, hostToTensor, SafetensorsError, MAX_HEADER_BYTES, type HostTensor, type DecodedTensor } from './safetensors.ts';
export { saveCheckpoint, loadCheckpoint, encodeCheckpoint, decodeCheckpoint, CheckpointError, CHECKPOINT_FORMAT, type CheckpointContents, type LoadedCheckpoint } from './checkpoint.ts';
export { encodePng, makeImageGrid, encodeImageGrid, saveImageGrid, type GridOptions, type PixelGrid } from './png.ts';
export { encodeNpy, decodeNpy, writeNpy, readNpy, npyHeader, type NpyDtype, type NpyData } from './npy.ts';
export { lineChartSvg, scatterSvg, niceTicks, colormap, PALETTE, type LineSeries, type LineChartOptions, type PointSet, type Heatmap, type ScatterOptions } from './svg.ts';
export { readBytes, writeFileAtomic, writeText, exists, mkdirp, joinPath, listFilesRecursive, type PathLike, type AtomicWriteOptions } from './fs.ts';
export { gunzip, gzip, crc32, isGzip } from './bytes.ts';
