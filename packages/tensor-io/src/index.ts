export type { Checkpoint, Float32StateDict, TensorRef } from './checkpoint-types.js';
export type { DType, NdArray, ReadOptions, TypedArray } from './dtype.js';
export { DTYPES } from './dtype.js';
export { CheckpointError, NpyError } from './errors.js';
export type { EncodeNpyOptions } from './npy.js';
export { encodeNpy, parseNpy, readNpy, writeNpy } from './npy.js';
export type { EncodeNpzOptions, NamedArrays } from './npz.js';
export { encodeNpz, readNpz, writeNpz } from './npz.js';
