import type { DType, ReadOptions, TypedArray } from './dtype.js';
import type { StridedArray } from './ndarray.js';

/** A tensor in a checkpoint, not yet read: its name, dtype and shape come from the pickle alone. */
export interface TensorRef {
  /** Dotted path from the checkpoint root (`'ema.blocks.0.attn.qkv.weight'`; with a prefix, relative to it). */
  readonly name: string;
  /** Element type as stored. */
  readonly dtype: DType;
  /** Dimensions; `[]` for a 0-d tensor. */
  readonly shape: number[];
  /**
   * Reads the tensor's values as a new row-major typed array: only the bytes of its storage that the
   * view touches are read (offset, strides and shared storages are honoured).
   */
  read(options?: ReadOptions): Promise<TypedArray>;
  /**
   * Reads the raw values (no widening) into `target`, a typed array of the dtype's kind with exactly
   * as many elements as the tensor: streaming consumers reuse one buffer instead of allocating.
   * Present on the tensors of {@link Checkpoint}s from `readCheckpoint`.
   */
  readInto?(target: TypedArray): Promise<void>;
  /**
   * Reads the raw values in their stored layout: the span of the storage the view touches, with
   * the tensor's strides (a transposed or sliced tensor stays strided, nothing is rearranged).
   * Wrap it with `toNdarray` for an `ndarray`. Present on the tensors of {@link Checkpoint}s from
   * `readCheckpoint`.
   */
  readStrided?(): Promise<StridedArray>;
}

/** An opened checkpoint: the unpickled object tree, with lazily read tensors. */
export interface Checkpoint {
  /**
   * The unpickled object tree: dicts (and OrderedDicts) are `Map`s, lists and tuples arrays, tensors
   * {@link TensorRef}s, any other Python object an inert `PickleObject` record.
   */
  readonly root: unknown;
  /**
   * Every tensor reachable through dicts, OrderedDicts, lists/tuples and records (e.g. an
   * `argparse.Namespace`), by dotted name. With a `prefix`, only names that start with it, with the
   * prefix removed (`tensors('ema.')` gives `'pos_embed'`, ...).
   */
  tensors(prefix?: string): Map<string, TensorRef>;
  /** Releases the file handle; reading a tensor afterwards is a `CheckpointError`. */
  close(): Promise<void>;
}

/** Float32 tensors by name: the currency of the model exporters. */
export type Float32StateDict = Map<string, { shape: number[]; data: Float32Array }>;
