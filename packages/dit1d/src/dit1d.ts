import type { Denoiser } from '@tokenset/fsdd';
import { readModelMetadata } from '@tokenset/onnx-graph';
import {
  CUDA_HELP,
  cudaProviderInstalled,
  type Device,
  DeviceError,
  type ExecutionProvider,
  type HostTensor,
  ModelSession,
  parseDevice,
  type SessionOptions,
} from '@tokenset/runtime';
import {
  type Float32StateDict,
  PickleObject,
  readCheckpoint,
  readFloat32StateDict,
} from '@tokenset/tensor-io';
import { readFileBytes } from '#platform';
import {
  buildDiT1DGraph,
  DIT1D_IO,
  type DiT1DDtype,
  type DiT1DModelInfo,
  type ExportDiT1DOptions,
  METADATA_KEY,
} from './dit1d-graph.js';
import { DiT1DError } from './errors.js';
import { checkInputs } from './validate.js';

/** Options of {@link DiT1D.load}. */
export interface DiT1DLoadOptions extends SessionOptions {
  /**
   * Precision when exporting from a checkpoint (`.onnx` files carry their own): `'fp32'` (default),
   * `'fp16'`, or `'int8'` (the blocks' linear layers dynamically quantized; see `ExportDiT1DOptions`).
   */
  dtype?: DiT1DDtype;
  /** Attention heads when exporting from a checkpoint (default from `preset`, else hidden size / 64). */
  numHeads?: number;
  /** A released size whose number of heads to use: `'DiT1D-S'` or `'DiT1D-B'`. */
  preset?: ExportDiT1DOptions['preset'];
  /** Attention implementation when exporting: `'fused'` (default) or `'standard'`. */
  attention?: ExportDiT1DOptions['attention'];
  /** Larger batches are run in chunks of at most this many rows (bounds memory). Default 16. */
  maxBatch?: number;
}

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

function isZip(bytes: Uint8Array): boolean {
  return ZIP_MAGIC.every((b, i) => bytes[i] === b);
}

/** A checkpoint's DiT1D weights: `"ema"` when present (the released files), else the plain state dict. */
export async function readDiT1DStateDict(source: string | Uint8Array): Promise<Float32StateDict> {
  return (await readDiT1DCheckpoint(source)).stateDict;
}

/**
 * A checkpoint's DiT1D weights and, when its `args` record them (`args.num_heads`, as the
 * checkpoints of `@tokenset/train` do), the number of attention heads, which weights cannot tell.
 */
export async function readDiT1DCheckpoint(
  source: string | Uint8Array,
): Promise<{ stateDict: Float32StateDict; numHeads?: number }> {
  const checkpoint = await readCheckpoint(source);
  try {
    const prefix = checkpoint.tensors('ema.').size > 0 ? 'ema.' : '';
    const stateDict = await readFloat32StateDict(checkpoint, prefix);
    return { stateDict, numHeads: argsNumHeads(checkpoint.root) };
  } finally {
    await checkpoint.close();
  }
}

/** `args.num_heads` of a training checkpoint (an `argparse.Namespace` record), if present and valid. */
function argsNumHeads(root: unknown): number | undefined {
  const args = root instanceof Map ? root.get('args') : undefined;
  const state = args instanceof PickleObject ? args.state : undefined;
  const heads = state instanceof Map ? state.get('num_heads') : undefined;
  const value = typeof heads === 'bigint' ? Number(heads) : heads;
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

function modelInfo(bytes: Uint8Array, where: string): DiT1DModelInfo {
  const json = readModelMetadata(bytes).get(METADATA_KEY);
  if (json === undefined) {
    throw new DiT1DError(
      `${where}: expected a model exported by @tokenset/dit1d (metadata '${METADATA_KEY}'), got none`,
    );
  }
  return JSON.parse(json) as DiT1DModelInfo;
}

/**
 * A DiT1D generator (reference `models.py`, `DiT1D`) running on onnxruntime: predicts, for every
 * codebook entry, a distribution over its count in the data. Implements fsdd's `Denoiser`.
 *
 * @example
 * ```ts
 * const dit = await DiT1D.load('fsdd_small_128_4096.pth');
 * const probs = await dit.probabilities(counts, new Float32Array([0.5]), new Int32Array([207]));
 * ```
 */
export class DiT1D implements Denoiser {
  /** C: codebook entries. */
  readonly codebookSize: number;
  /** M: tokens per set. */
  readonly setSize: number;
  /** Number of classes; label `numClasses` is the null label. */
  readonly numClasses: number;
  private readonly maxBatch: number;

  private constructor(
    private readonly session: ModelSession,
    /** The network's configuration and export settings. */
    readonly info: DiT1DModelInfo,
    maxBatch: number,
  ) {
    this.codebookSize = info.codebookSize;
    this.setSize = info.setSize;
    this.numClasses = info.numClasses;
    this.maxBatch = maxBatch;
  }

  /**
   * Loads a DiT1D from a checkpoint (`.pth`: uses `"ema"` when present, else a plain state dict),
   * an ONNX model written by {@link exportDiT1D} (`.onnx` path or bytes), or checkpoint bytes.
   * @throws DeviceError when `device: 'cuda'` cannot be used here (the message says how to install it).
   */
  static async load(source: string | Uint8Array, options: DiT1DLoadOptions = {}): Promise<DiT1D> {
    const device = checkDevice(options.device);
    const maxBatch = checkMaxBatch(options.maxBatch);
    if (typeof source === 'string') {
      if (source.toLowerCase().endsWith('.onnx')) {
        const info = modelInfo(readFileBytes(source), `model '${source}'`);
        return new DiT1D(
          await ModelSession.create(source, { device, threads: options.threads }),
          info,
          maxBatch,
        );
      }
    } else if (!(source instanceof Uint8Array)) {
      throw new TypeError(`source: expected a path or a Uint8Array, got ${typeof source}`);
    } else if (!isZip(source)) {
      const info = modelInfo(source, 'model bytes');
      return new DiT1D(
        await ModelSession.create(source, { device, threads: options.threads }),
        info,
        maxBatch,
      );
    }
    const { stateDict, numHeads } = await readDiT1DCheckpoint(source);
    return DiT1D.fromStateDict(stateDict, {
      ...options,
      numHeads: options.numHeads ?? (options.preset === undefined ? numHeads : undefined),
      consumeStateDict: true,
    });
  }

  /** Exports `stateDict` and loads the model (see {@link DiT1D.load} for the options). */
  static async fromStateDict(
    stateDict: Float32StateDict,
    options: DiT1DLoadOptions & { consumeStateDict?: boolean } = {},
  ): Promise<DiT1D> {
    const device = checkDevice(options.device);
    const maxBatch = checkMaxBatch(options.maxBatch);
    const graph = buildDiT1DGraph(stateDict, {
      preset: options.preset,
      numHeads: options.numHeads,
      dtype: options.dtype,
      attention: options.attention,
      consumeStateDict: options.consumeStateDict,
    });
    const bytes = graph.toBytes();
    const info = modelInfo(bytes, 'exported model');
    return new DiT1D(await ModelSession.create(bytes, { device, threads: options.threads }), info, maxBatch);
  }

  private async run(
    output: 'logits' | 'probabilities',
    counts: Int32Array,
    t: Float32Array,
    labels: Int32Array,
  ): Promise<Float32Array> {
    const batch = checkInputs(this.info, counts, t, labels);
    const C = this.codebookSize;
    const rowSize = C * (this.setSize + 1);
    const name = DIT1D_IO[output];
    const result = batch <= this.maxBatch ? undefined : new Float32Array(batch * rowSize);
    for (let start = 0; start < batch; start += this.maxBatch) {
      const n = Math.min(this.maxBatch, batch - start);
      const feeds: Record<string, HostTensor> = {
        [DIT1D_IO.counts]: { type: 'int32', dims: [n, C], data: counts.subarray(start * C, (start + n) * C) },
        [DIT1D_IO.t]: { type: 'float32', dims: [n], data: t.subarray(start, start + n) },
        [DIT1D_IO.labels]: { type: 'int32', dims: [n], data: labels.subarray(start, start + n) },
      };
      const data = (await this.session.run(feeds, [name]))[name].data as Float32Array;
      if (result === undefined) return data;
      result.set(data, start * rowSize);
    }
    return result!;
  }

  /**
   * Logits `Float32Array [B·C·(M+1)]` (reference `DiT1D.forward`).
   * @param counts - `Int32Array [B·C]`: the current counts (each in [0, C]).
   * @param t - `Float32Array [B]`: times in [0, 1] (1 = data).
   * @param labels - `Int32Array [B]`: classes; `numClasses` is the null label.
   */
  logits(counts: Int32Array, t: Float32Array, labels: Int32Array): Promise<Float32Array> {
    return this.run('logits', counts, t, labels);
  }

  /** Softmax of the logits over counts 0..M, `Float32Array [B·C·(M+1)]` (reference `forward_softmax`). */
  probabilities(counts: Int32Array, t: Float32Array, labels: Int32Array): Promise<Float32Array> {
    return this.run('probabilities', counts, t, labels);
  }

  /** The onnxruntime execution provider the model runs on (`'cuda'` or `'cpu'`; with `device: 'auto'`, the one picked). */
  get executionProvider(): ExecutionProvider {
    return this.session.executionProvider;
  }

  /** Frees the onnxruntime session. */
  release(): Promise<void> {
    return this.session.release();
  }
}

function checkDevice(device: Device | undefined): Device {
  const d = parseDevice(device ?? 'cpu');
  // Fail before a possibly long export rather than after it.
  if (d === 'cuda' && !cudaProviderInstalled()) {
    throw new DeviceError(
      `device 'cuda': expected onnxruntime-node's CUDA execution provider, got none installed; ${CUDA_HELP}`,
    );
  }
  return d;
}

function checkMaxBatch(value: number | undefined): number {
  const v = value ?? 16;
  if (!Number.isInteger(v) || v < 1)
    throw new RangeError(`maxBatch: expected a positive integer, got ${value}`);
  return v;
}
