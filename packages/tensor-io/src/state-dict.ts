import type { Checkpoint, Float32StateDict } from './checkpoint-types.js';
import { CheckpointError } from './errors.js';

const FLOATS = new Set(['float32', 'float16', 'bfloat16', 'float64']);

/**
 * Reads every floating-point tensor of a checkpoint (under `prefix`, which is removed from the
 * names) as float32: float16/bfloat16 widened exactly, float64 rounded to nearest. Tensors of other
 * dtypes (e.g. `num_batches_tracked`) are skipped. Tensors are read one at a time.
 *
 * @example
 * ```ts
 * const weights = await readFloat32StateDict(await readCheckpoint('dit.pth'), 'ema.');
 * ```
 */
export async function readFloat32StateDict(
  checkpoint: Checkpoint,
  prefix?: string,
): Promise<Float32StateDict> {
  if (typeof checkpoint !== 'object' || checkpoint === null || typeof checkpoint.tensors !== 'function') {
    throw new TypeError(`checkpoint: expected a Checkpoint from readCheckpoint, got ${checkpoint}`);
  }
  const out: Float32StateDict = new Map();
  const tensors = checkpoint.tensors(prefix);
  if (tensors.size === 0 && prefix) {
    throw new CheckpointError(
      `readFloat32StateDict: expected tensors under the prefix '${prefix}', found none`,
    );
  }
  for (const [name, tensor] of tensors) {
    if (!FLOATS.has(tensor.dtype)) continue;
    const data = await tensor.read({ widenHalf: true });
    out.set(name, {
      shape: [...tensor.shape],
      data: data instanceof Float32Array ? data : Float32Array.from(data as Float64Array),
    });
  }
  return out;
}

/** Options of {@link stateDictTensor}. */
export interface StateDictTensorOptions {
  /** The error class to throw (default `CheckpointError`): each model package throws its own. */
  error?: new (
    message: string,
  ) => Error;
  /** The model, for the message of a missing tensor (e.g. `torch-fidelity's InceptionV3`). */
  model?: string;
}

/**
 * The one "fetch a tensor and check its shape" of the model packages: the tensor `name` of a state
 * dict, checked to exist, to hold as many values as its shape says and, when `shape` is given, to
 * have that shape (`undefined` or `-1` entries match any size; the rank must match).
 *
 * @param stateDict - the weights.
 * @param name - the tensor's name.
 * @param shape - the expected shape, or undefined to accept any.
 * @param options - the error class and model name for messages.
 * @returns the tensor.
 *
 * @example
 * ```ts
 * const w = stateDictTensor(weights, 'pos_embed', [1, undefined, 384], { error: DiT1DError });
 * ```
 */
export function stateDictTensor(
  stateDict: Float32StateDict,
  name: string,
  shape?: readonly (number | undefined)[],
  options: StateDictTensorOptions = {},
): { shape: number[]; data: Float32Array } {
  const ErrorClass = options.error ?? CheckpointError;
  const t = stateDict.get(name);
  if (t === undefined) {
    const of = options.model ? ` of ${options.model}` : '';
    throw new ErrorClass(`state dict: expected a tensor '${name}'${of}, got none`);
  }
  if (shape !== undefined) {
    const any = (d: number | undefined) => d === undefined || d < 0;
    const ok = t.shape.length === shape.length && shape.every((d, i) => any(d) || d === t.shape[i]);
    if (!ok) {
      const want = shape.map((d) => (any(d) ? '*' : String(d))).join(', ');
      throw new ErrorClass(`state dict: expected '${name}' of shape [${want}], got [${t.shape.join(', ')}]`);
    }
  }
  const numel = t.shape.reduce((a, b) => a * b, 1);
  if (t.data.length !== numel) {
    throw new ErrorClass(
      `state dict: expected ${numel} values in '${name}' [${t.shape.join(', ')}], got ${t.data.length}`,
    );
  }
  return t;
}
