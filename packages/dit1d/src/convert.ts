import { type Float32StateDict, readCheckpoint } from '@tokenset/tensor-io';
import {
  buildDiT1DGraph,
  type DiT1DModelInfo,
  type ExportDiT1DOptions,
  METADATA_KEY,
} from './dit1d-graph.js';
import { DiT1DError } from './errors.js';

/** Progress of {@link convertDiT1DCheckpoint}, one event type per phase, keyed by `status`. */
export type ConvertProgress =
  /** A tensor was read from the checkpoint (`done` of `total`, `bytes` float32 bytes so far). */
  | { status: 'read'; done: number; total: number; bytes: number }
  /** The graph is built. */
  | { status: 'export'; nodes: number; initializers: number; bytes: number }
  /** Model bytes written so far (`total` includes any external data file). */
  | { status: 'write'; written: number; total: number }
  /** Finished. */
  | { status: 'done'; path: string; externalData?: string; bytes: number; seconds: number };

/** Options of {@link convertDiT1DCheckpoint}: the export options and a progress callback. */
export interface ConvertDiT1DOptions extends Omit<ExportDiT1DOptions, 'consumeStateDict'> {
  /** Called as the conversion proceeds (see {@link ConvertProgress}). */
  onProgress?: (event: ConvertProgress) => void;
}

/** What {@link convertDiT1DCheckpoint} wrote. */
export interface ConvertResult {
  /** The `.onnx` file. */
  path: string;
  /** The side file of tensor data, when the model is over protobuf's 2 GiB limit. */
  externalData?: string;
  /** The model's configuration (also stored in the model's metadata). */
  info: DiT1DModelInfo;
  /** Bytes written (model and side file). */
  bytes: number;
}

const FLOAT_DTYPES = new Set(['float32', 'float16', 'bfloat16', 'float64']);

/**
 * Converts a DiT1D checkpoint (`.pth`: `"ema"` when present, else a plain state dict) into an ONNX
 * file that {@link DiT1D.load} (and onnxruntime anywhere) can load. Tensors are read one at a time,
 * linear weights are transposed in place and the model is streamed to disk, so memory stays near
 * one copy of the weights.
 */
export async function convertDiT1DCheckpoint(
  inPath: string,
  outPath: string,
  options: ConvertDiT1DOptions = {},
): Promise<ConvertResult> {
  if (typeof inPath !== 'string') throw new TypeError(`inPath: expected a path string, got ${typeof inPath}`);
  if (typeof outPath !== 'string')
    throw new TypeError(`outPath: expected a path string, got ${typeof outPath}`);
  const { onProgress, ...exportOptions } = options;
  const start = performance.now();
  const stateDict: Float32StateDict = new Map();
  const checkpoint = await readCheckpoint(inPath);
  try {
    const prefix = checkpoint.tensors('ema.').size > 0 ? 'ema.' : '';
    const refs = [...checkpoint.tensors(prefix)].filter(([, ref]) => FLOAT_DTYPES.has(ref.dtype));
    if (refs.length === 0)
      throw new DiT1DError(`checkpoint '${inPath}': expected float tensors of a DiT1D, got none`);
    let bytes = 0;
    for (let i = 0; i < refs.length; i++) {
      const [name, ref] = refs[i];
      const data = await ref.read({ widenHalf: true });
      const f32 = data instanceof Float32Array ? data : Float32Array.from(data as Float64Array);
      stateDict.set(name, { shape: [...ref.shape], data: f32 });
      bytes += f32.byteLength;
      onProgress?.({ status: 'read', done: i + 1, total: refs.length, bytes });
    }
  } finally {
    await checkpoint.close();
  }
  const graph = buildDiT1DGraph(stateDict, { ...exportOptions, consumeStateDict: true });
  stateDict.clear(); // the graph holds the arrays it needs
  const summary = graph.summary();
  onProgress?.({
    status: 'export',
    nodes: summary.nodes,
    initializers: summary.initializers,
    bytes: summary.initializerBytes,
  });
  let total = 0;
  const written = await graph.save(outPath, {
    onProgress: (done, all) => {
      total = all;
      onProgress?.({ status: 'write', written: done, total: all });
    },
  });
  const info = JSON.parse(graphInfo(graph)) as DiT1DModelInfo;
  const seconds = (performance.now() - start) / 1000;
  onProgress?.({
    status: 'done',
    path: written.model,
    externalData: written.externalData,
    bytes: total,
    seconds,
  });
  return { path: written.model, externalData: written.externalData, info, bytes: total };
}

function graphInfo(graph: ReturnType<typeof buildDiT1DGraph>): string {
  return graph.getMetadata(METADATA_KEY)!;
}
