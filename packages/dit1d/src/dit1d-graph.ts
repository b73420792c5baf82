// The DiT1D network as an ONNX graph, module by module as in the reference `models.py`
// (TimestepEmbedder, LabelEmbedder, DiTBlock, FinalLayer1D, DiT1D.forward). Names of the
// initializers are the state-dict keys (linear weights are stored transposed, [in, out]).

import {
  type AttentionImplementation,
  Graph,
  gelu,
  int,
  layerNorm,
  linear,
  multiHeadAttention,
  type Parameter,
  quantizedLinear,
  silu,
  softmax,
  type Value,
} from '@tokenset/onnx-graph';
import type { Float32StateDict } from '@tokenset/tensor-io';
import { configFromStateDict, type DiT1DConfig } from './config.js';
import type { DiT1DPreset } from './presets.js';

/** Precision of an exported model. */
export type DiT1DDtype = 'fp32' | 'fp16' | 'int8';

/** Every dtype, in the order error messages list them. */
export const DIT1D_DTYPES: readonly DiT1DDtype[] = ['fp32', 'fp16', 'int8'];

/** Options of {@link exportDiT1D}. */
export interface ExportDiT1DOptions {
  /** A released size whose number of heads to use (`'DiT1D-S'`: 6, `'DiT1D-B'`: 12). */
  preset?: DiT1DPreset;
  /** Number of attention heads (overrides the preset); default hidden size / 64. */
  numHeads?: number;
  /**
   * `'fp32'` (default), or `'fp16'`: the blocks' attention and MLP run in float16 while the
   * embedders, the final layer, every adaLN modulation, the layer norms and the residual stream
   * stay float32, as the reference samples with `--force-fp32` under autocast. `'int8'`: the
   * blocks' linear layers (qkv, attention projection, MLP) dynamically quantized with
   * onnxruntime's int8 kernels (weights symmetric int8 per output column, quantized here from the
   * same float32 weights; activations quantized per call); everything else float32. Deliberately
   * not the reference's arithmetic (probabilities of the tiny reference model differ from fp32 by
   * up to 8e-3), for speed on CPUs with int8 dot products (VNNI).
   */
  dtype?: DiT1DDtype;
  /** `'fused'` (default): onnxruntime's MultiHeadAttention; `'standard'`: plain ONNX ops. */
  attention?: AttentionImplementation;
  /**
   * Reuse the state dict's arrays for the transposed linear weights (overwriting them) instead of
   * copying: for callers that own the state dict and must not hold the weights twice. Default false.
   */
  consumeStateDict?: boolean;
}

/** The configuration an exported model records in its metadata (key {@link METADATA_KEY}). */
export interface DiT1DModelInfo extends DiT1DConfig {
  dtype: DiT1DDtype;
  attention: AttentionImplementation;
}

/** The `metadata_props` key under which the model's {@link DiT1DModelInfo} is stored as JSON. */
export const METADATA_KEY = 'tokenset.dit1d';

/** Graph input and output names. */
export const DIT1D_IO = {
  counts: 'x',
  t: 't',
  labels: 'y',
  logits: 'logits',
  probabilities: 'probabilities',
} as const;

interface Builder {
  g: Graph;
  sd: Float32StateDict;
  config: DiT1DConfig;
  half: boolean;
  int8: boolean;
  attention: AttentionImplementation;
  inPlace: boolean;
}

function param(b: Builder, name: string): Parameter {
  return b.sd.get(name)!;
}

/** `nn.Linear` named as in the state dict, in float32. */
function fp32Linear(b: Builder, x: Value, name: string): Value {
  return linear(b.g, x, param(b, `${name}.weight`), param(b, `${name}.bias`), { name, inPlace: b.inPlace });
}

/** `nn.Linear` of a block: float16 in the fp16 export, dynamically quantized in the int8 one. */
function blockLinear(b: Builder, x: Value, name: string): Value {
  if (b.int8) return quantizedLinear(b.g, x, param(b, `${name}.weight`), param(b, `${name}.bias`), name);
  return linear(b.g, x, param(b, `${name}.weight`), param(b, `${name}.bias`), {
    name,
    dtype: b.half ? 'float16' : 'float32',
    inPlace: b.inPlace,
  });
}

/** Sinusoidal frequencies as the reference computes them in float32: exp(-ln(10000)·i/half). */
export function timestepFrequencies(dim: number, maxPeriod = 10000): Float32Array {
  const half = Math.floor(dim / 2);
  const a = Math.fround(-Math.log(maxPeriod));
  return Float32Array.from({ length: half }, (_, i) =>
    Math.fround(Math.exp(Math.fround(Math.fround(a * i) / half))),
  );
}

/** TimestepEmbedder: t [B] in [0, 1] (not scaled by 1000) → cat(cos, sin) [B, 256] → MLP → [B, D]. */
function timestepEmbedder(b: Builder, t: Value): Value {
  const { g } = b;
  const dim = b.config.frequencySize;
  const half = Math.floor(dim / 2);
  const freqs = g.initializer('t_embedder.freqs', timestepFrequencies(dim), [half]);
  const args = g.op('Mul', [g.op('Unsqueeze', [t, g.constant(new BigInt64Array([1n]), [1])]), freqs]); // [B, half]
  let emb = g.op('Concat', [g.op('Cos', [args]), g.op('Sin', [args])], { axis: int(-1) }); // [B, 2·half]
  if (dim % 2 === 1) emb = g.op('Pad', [emb, g.constant(new BigInt64Array([0n, 0n, 0n, 1n]), [4])]); // [B, dim]
  const h = silu(g, fp32Linear(b, emb, 't_embedder.mlp.0')); // [B, D]
  return fp32Linear(b, h, 't_embedder.mlp.2'); // [B, D]
}

/** LabelEmbedder at inference: a table lookup; label `numClasses` is the null label. */
function labelEmbedder(b: Builder, y: Value): Value {
  const table = param(b, 'y_embedder.embedding_table.weight');
  return b.g.op('Gather', [b.g.initializer('y_embedder.embedding_table.weight', table.data, table.shape), y]); // [B, D]
}

/** `modulate(x, shift, scale) = x·(1 + scale) + shift`, with shift and scale [B, 1, D]. */
function modulate(b: Builder, x: Value, shift: Value, scale: Value, one: Value): Value {
  return b.g.op('Add', [b.g.op('Mul', [x, b.g.op('Add', [scale, one])]), shift]);
}

/** `adaLN_modulation(c).chunk(n, dim=1)` then `unsqueeze(1)`: n values of [B, 1, D]. */
function modulation(b: Builder, cSilu: Value, name: string, n: number): Value[] {
  const { g } = b;
  const m = fp32Linear(b, cSilu, `${name}.adaLN_modulation.1`); // [B, n·D]
  const shaped = g.op('Reshape', [
    m,
    g.constant(new BigInt64Array([0n, BigInt(n), BigInt(b.config.hiddenSize)]), [3]),
  ]); // [B, n, D]
  return g.opN('Split', [shaped], n, { axis: int(1), num_outputs: int(n) }); // n × [B, 1, D]
}

const toHalf = (b: Builder, x: Value) => (b.half ? b.g.op('Cast', [x], { to: int(10) }) : x);
const toFloat = (b: Builder, x: Value) => (b.half ? b.g.op('Cast', [x], { to: int(1) }) : x);

/** DiTBlock with adaLN-Zero: attention and MLP branches, each gated. */
function ditBlock(b: Builder, x: Value, cSilu: Value, i: number, one: Value): Value {
  const { g, config } = b;
  const D = config.hiddenSize;
  const name = `blocks.${i}`;
  const [shiftMsa, scaleMsa, gateMsa, shiftMlp, scaleMlp, gateMlp] = modulation(b, cSilu, name, 6);
  // LayerNorm without affine parameters, eps 1e-6 (float32 even in the fp16 export).
  const h1 = toHalf(b, modulate(b, layerNorm(g, x, { size: D, epsilon: 1e-6 }), shiftMsa, scaleMsa, one)); // [B, C, D]
  const qkv = blockLinear(b, h1, `${name}.attn.qkv`); // [B, C, 3D]: q, k, v each [heads, head size]
  const [query, key, value] = g.opN('Split', [qkv], 3, { axis: int(-1), num_outputs: int(3) }); // 3 × [B, C, D]
  const attended = multiHeadAttention(g, {
    query,
    key,
    value,
    numHeads: config.numHeads,
    hiddenSize: D,
    implementation: b.attention,
    dtype: b.half ? 'float16' : 'float32',
  }); // [B, C, D]
  const attn = toFloat(b, blockLinear(b, attended, `${name}.attn.proj`)); // [B, C, D]
  x = g.op('Add', [x, g.op('Mul', [gateMsa, attn])]);
  const h2 = toHalf(b, modulate(b, layerNorm(g, x, { size: D, epsilon: 1e-6 }), shiftMlp, scaleMlp, one));
  const fc1 = gelu(g, blockLinear(b, h2, `${name}.mlp.fc1`), 'tanh'); // [B, C, 4D]
  const mlp = toFloat(b, blockLinear(b, fc1, `${name}.mlp.fc2`)); // [B, C, D]
  return g.op('Add', [x, g.op('Mul', [gateMlp, mlp])]);
}

/** FinalLayer1D: adaLN (shift, scale) then a linear to M+1 logits per position. */
function finalLayer(b: Builder, x: Value, cSilu: Value, one: Value): Value {
  const [shift, scale] = modulation(b, cSilu, 'final_layer', 2);
  const h = modulate(b, layerNorm(b.g, x, { size: b.config.hiddenSize, epsilon: 1e-6 }), shift, scale, one);
  return fp32Linear(b, h, 'final_layer.linear'); // [B, C, M+1]
}

/**
 * Builds the DiT1D graph: inputs `x` int32 [B, C] counts, `t` float32 [B], `y` int32 [B] labels;
 * outputs `logits` and `probabilities` (softmax over the last axis), float32 [B, C, M+1].
 */
export function buildDiT1DGraph(stateDict: Float32StateDict, options: ExportDiT1DOptions = {}): Graph {
  const config = configFromStateDict(stateDict, options);
  const dtype = options.dtype ?? 'fp32';
  if (!DIT1D_DTYPES.includes(dtype)) {
    throw new RangeError(
      `dtype: expected one of ${DIT1D_DTYPES.map((d) => `'${d}'`).join(', ')}, got '${dtype}'`,
    );
  }
  const attention = options.attention ?? 'fused';
  if (attention !== 'fused' && attention !== 'standard') {
    throw new RangeError(`attention: expected 'fused' or 'standard', got '${attention}'`);
  }
  const g = new Graph({ name: 'dit1d' });
  const b: Builder = {
    g,
    sd: stateDict,
    config,
    half: dtype === 'fp16',
    int8: dtype === 'int8',
    attention,
    inPlace: options.consumeStateDict ?? false,
  };
  const { codebookSize: C, setSize: M } = config;
  const x = g.input(DIT1D_IO.counts, 'int32', ['batch', C]);
  const t = g.input(DIT1D_IO.t, 'float32', ['batch']);
  const y = g.input(DIT1D_IO.labels, 'int32', ['batch']);
  const one = g.constant(new Float32Array([1]), []);

  const table = param(b, 'x_embedder.embedding_table.weight');
  const pos = param(b, 'pos_embed');
  let h = g.op('Gather', [g.initializer('x_embedder.embedding_table.weight', table.data, table.shape), x]); // [B, C, D]
  h = g.op('Add', [g.initializer('pos_embed', pos.data, pos.shape), h]); // [B, C, D]
  const c = g.op('Add', [timestepEmbedder(b, t), labelEmbedder(b, y)]); // [B, D]
  const cSilu = silu(g, c); // every adaLN_modulation starts with SiLU(c)
  for (let i = 0; i < config.depth; i++) h = ditBlock(b, h, cSilu, i, one); // [B, C, D]
  const logits = finalLayer(b, h, cSilu, one); // [B, C, M+1]
  g.output(logits, DIT1D_IO.logits, 'float32', ['batch', C, M + 1]);
  g.output(softmax(g, logits), DIT1D_IO.probabilities, 'float32', ['batch', C, M + 1]);
  const info: DiT1DModelInfo = { ...config, dtype, attention };
  g.metadata(METADATA_KEY, JSON.stringify(info));
  return g;
}

/** Exports a DiT1D state dict (e.g. a checkpoint's `"ema"`) as ONNX model bytes. */
export function exportDiT1D(stateDict: Float32StateDict, options: ExportDiT1DOptions = {}): Uint8Array {
  return buildDiT1DGraph(stateDict, options).toBytes();
}
