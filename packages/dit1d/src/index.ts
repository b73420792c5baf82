export type { DiT1DConfig } from './config.js';
export { configFromStateDict } from './config.js';
export type { ConvertDiT1DOptions, ConvertProgress, ConvertResult } from './convert.js';
export { convertDiT1DCheckpoint } from './convert.js';
export type { DiT1DLoadOptions } from './dit1d.js';
export { DiT1D, readDiT1DCheckpoint, readDiT1DStateDict } from './dit1d.js';
export type { DiT1DDtype, DiT1DModelInfo, ExportDiT1DOptions } from './dit1d-graph.js';
export {
  buildDiT1DGraph,
  DIT1D_DTYPES,
  DIT1D_IO,
  exportDiT1D,
  METADATA_KEY,
  timestepFrequencies,
} from './dit1d-graph.js';
export { DiT1DError } from './errors.js';
export { dit1dFlops } from './flops.js';
export type { DiT1DPreset } from './presets.js';
export { DIT1D_PRESETS, parsePreset, resolveNumHeads } from './presets.js';
export type { DiT1DSizes } from './shapes.js';
export { dit1dShapes } from './shapes.js';
