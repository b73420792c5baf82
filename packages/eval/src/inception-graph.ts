import { Graph, int, ints, type Value } from '@tokenset/onnx-graph';
import { type Float32StateDict, stateDictTensor } from '@tokenset/tensor-io';
import { MetricError } from './errors.js';
import { INCEPTION_SIZE } from './resize.js';

/** Name of the model's input: float32 `[batch, 3, 299, 299]`, resized and scaled to [-1, 1]. */
export const INCEPTION_INPUT = 'images';
/** Name of the 2048-d pool-feature output `[batch, 2048]`. */
export const INCEPTION_POOL = 'pool';
/** Name of the unbiased-logits output `[batch, 1008]`. */
export const INCEPTION_LOGITS = 'logits';

/** Batch-norm epsilon of torch-fidelity's `BasicConv2d` (TensorFlow's value). */
const BN_EPS = 0.001;

/** Options of {@link exportInceptionV3}. */
export interface InceptionExportOptions {
  /** Called once per convolution with its name; for progress displays. */
  onLayer?: (name: string) => void;
}

/** The exported model and the analytic cost of one image. */
export interface InceptionExport {
  /** ONNX ModelProto bytes: `images` float32 `[batch, 3, 299, 299]` in [-1, 1] → `pool` `[batch, 2048]`, `logits` `[batch, 1008]`. */
  model: Uint8Array;
  /** Floating-point operations per image (2 per multiply-add of convolutions and the logits matmul). */
  flopsPerImage: number;
}

/** Tracks a value and its `[channels, height, width]` while building. */
interface Feature {
  value: Value;
  c: number;
  h: number;
  w: number;
}

/**
 * Builds torch-fidelity's `inception-v3-compat` (`FeatureExtractorInceptionV3`) as an ONNX graph
 * from its state dict (`Conv2d_1a_3x3.conv.weight`, `...bn.{weight,bias,running_mean,running_var}`,
 * `Mixed_5b.branch1x1...`, `fc.weight`). Each `BasicConv2d` (conv without bias, BatchNorm with
 * eps 0.001, ReLU) becomes one Conv with the batch norm folded into its weights and bias (computed
 * in float64, rounded once to float32) and a Relu. Blocks follow the reference module by module:
 * the FID variants of InceptionA, InceptionC and InceptionE_1 average-pool 3×3 without counting the
 * padding (ONNX `count_include_pad = 0`), InceptionE_2 max-pools. Logits are `pool · fc.weightᵀ`
 * without the bias (`logits_unbiased`, what the Inception Score uses).
 *
 * The input is the resized, normalised batch (see `resizeBilinearTF1`, `normalizeInceptionInput`).
 */
export function exportInceptionV3(
  stateDict: Float32StateDict,
  options: InceptionExportOptions = {},
): InceptionExport {
  if (!(stateDict instanceof Map)) {
    throw new TypeError(
      `stateDict: expected a Map of name → { shape, data } (Float32StateDict), got ${typeof stateDict}`,
    );
  }
  const g = new Graph({ name: 'inception-v3-compat', opset: 17 });
  let flops = 0;

  const param = (name: string, shape?: number[]): { shape: number[]; data: Float32Array } =>
    stateDictTensor(stateDict, name, shape, { error: MetricError, model: "torch-fidelity's InceptionV3" });

  /** BasicConv2d: Conv (BN folded) + ReLU. */
  const basicConv = (
    x: Feature,
    name: string,
    kernel: [number, number],
    layout: { stride?: number; pad?: [number, number] } = {},
  ): Feature => {
    options.onLayer?.(name);
    const weight = param(`${name}.conv.weight`);
    const [cout, cin, kh, kw] = weight.shape;
    if (cin !== x.c || kh !== kernel[0] || kw !== kernel[1]) {
      throw new MetricError(
        `state dict: expected '${name}.conv.weight' of shape [*, ${x.c}, ${kernel[0]}, ${kernel[1]}], got [${weight.shape.join(', ')}]`,
      );
    }
    const gamma = param(`${name}.bn.weight`, [cout]).data;
    const beta = param(`${name}.bn.bias`, [cout]).data;
    const mean = param(`${name}.bn.running_mean`, [cout]).data;
    const variance = param(`${name}.bn.running_var`, [cout]).data;
    const per = cin * kh * kw;
    const w = new Float32Array(weight.data.length);
    const b = new Float32Array(cout);
    for (let o = 0; o < cout; o++) {
      const scale = gamma[o] / Math.sqrt(variance[o] + BN_EPS);
      for (let i = 0; i < per; i++) w[o * per + i] = weight.data[o * per + i] * scale;
      b[o] = beta[o] - mean[o] * scale;
    }
    const stride = layout.stride ?? 1;
    const [ph, pw] = layout.pad ?? [0, 0];
    const conv = g.op(
      'Conv',
      [
        x.value,
        g.initializer(`${name}.weight`, w, [cout, cin, kh, kw]),
        g.initializer(`${name}.bias`, b, [cout]),
      ],
      { kernel_shape: ints([kh, kw]), strides: ints([stride, stride]), pads: ints([ph, pw, ph, pw]) },
      { name },
    );
    const h = Math.floor((x.h + 2 * ph - kh) / stride) + 1;
    const wd = Math.floor((x.w + 2 * pw - kw) / stride) + 1;
    flops += 2 * cout * per * h * wd;
    return { value: g.op('Relu', [conv]), c: cout, h, w: wd };
  };

  const maxPool = (x: Feature, stride: number, pad: number): Feature => {
    const value = g.op('MaxPool', [x.value], {
      kernel_shape: ints([3, 3]),
      strides: ints([stride, stride]),
      pads: ints([pad, pad, pad, pad]),
    });
    return {
      value,
      c: x.c,
      h: Math.floor((x.h + 2 * pad - 3) / stride) + 1,
      w: Math.floor((x.w + 2 * pad - 3) / stride) + 1,
    };
  };

  /** F.avg_pool2d(x, 3, stride 1, padding 1, count_include_pad=False): TensorFlow's average pool. */
  const avgPoolExcludingPad = (x: Feature): Feature => ({
    ...x,
    value: g.op('AveragePool', [x.value], {
      kernel_shape: ints([3, 3]),
      strides: ints([1, 1]),
      pads: ints([1, 1, 1, 1]),
      count_include_pad: int(0),
    }),
  });

  const concat = (parts: Feature[]): Feature => ({
    value: g.op(
      'Concat',
      parts.map((p) => p.value),
      { axis: int(1) },
    ),
    c: parts.reduce((s, p) => s + p.c, 0),
    h: parts[0].h,
    w: parts[0].w,
  });

  /** InceptionA (FID variant: average pool without padding). */
  const inceptionA = (x: Feature, n: string): Feature => {
    const b1 = basicConv(x, `${n}.branch1x1`, [1, 1]);
    let b5 = basicConv(x, `${n}.branch5x5_1`, [1, 1]);
    b5 = basicConv(b5, `${n}.branch5x5_2`, [5, 5], { pad: [2, 2] });
    let b3 = basicConv(x, `${n}.branch3x3dbl_1`, [1, 1]);
    b3 = basicConv(b3, `${n}.branch3x3dbl_2`, [3, 3], { pad: [1, 1] });
    b3 = basicConv(b3, `${n}.branch3x3dbl_3`, [3, 3], { pad: [1, 1] });
    const bp = basicConv(avgPoolExcludingPad(x), `${n}.branch_pool`, [1, 1]);
    return concat([b1, b5, b3, bp]);
  };

  /** InceptionB (original block: grid reduction 35 → 17). */
  const inceptionB = (x: Feature, n: string): Feature => {
    const b3 = basicConv(x, `${n}.branch3x3`, [3, 3], { stride: 2 });
    let bd = basicConv(x, `${n}.branch3x3dbl_1`, [1, 1]);
    bd = basicConv(bd, `${n}.branch3x3dbl_2`, [3, 3], { pad: [1, 1] });
    bd = basicConv(bd, `${n}.branch3x3dbl_3`, [3, 3], { stride: 2 });
    return concat([b3, bd, maxPool(x, 2, 0)]);
  };

  /** InceptionC (FID variant: average pool without padding). */
  const inceptionC = (x: Feature, n: string): Feature => {
    const b1 = basicConv(x, `${n}.branch1x1`, [1, 1]);
    let b7 = basicConv(x, `${n}.branch7x7_1`, [1, 1]);
    b7 = basicConv(b7, `${n}.branch7x7_2`, [1, 7], { pad: [0, 3] });
    b7 = basicConv(b7, `${n}.branch7x7_3`, [7, 1], { pad: [3, 0] });
    let bd = basicConv(x, `${n}.branch7x7dbl_1`, [1, 1]);
    bd = basicConv(bd, `${n}.branch7x7dbl_2`, [7, 1], { pad: [3, 0] });
    bd = basicConv(bd, `${n}.branch7x7dbl_3`, [1, 7], { pad: [0, 3] });
    bd = basicConv(bd, `${n}.branch7x7dbl_4`, [7, 1], { pad: [3, 0] });
    bd = basicConv(bd, `${n}.branch7x7dbl_5`, [1, 7], { pad: [0, 3] });
    const bp = basicConv(avgPoolExcludingPad(x), `${n}.branch_pool`, [1, 1]);
    return concat([b1, b7, bd, bp]);
  };

  /** InceptionD (original block: grid reduction 17 → 8). */
  const inceptionD = (x: Feature, n: string): Feature => {
    let b3 = basicConv(x, `${n}.branch3x3_1`, [1, 1]);
    b3 = basicConv(b3, `${n}.branch3x3_2`, [3, 3], { stride: 2 });
    let b7 = basicConv(x, `${n}.branch7x7x3_1`, [1, 1]);
    b7 = basicConv(b7, `${n}.branch7x7x3_2`, [1, 7], { pad: [0, 3] });
    b7 = basicConv(b7, `${n}.branch7x7x3_3`, [7, 1], { pad: [3, 0] });
    b7 = basicConv(b7, `${n}.branch7x7x3_4`, [3, 3], { stride: 2 });
    return concat([b3, b7, maxPool(x, 2, 0)]);
  };

  /** InceptionE: E_1 average-pools without padding, E_2 max-pools (TensorFlow's graph does). */
  const inceptionE = (x: Feature, n: string, pool: 'avg' | 'max'): Feature => {
    const b1 = basicConv(x, `${n}.branch1x1`, [1, 1]);
    const b3 = basicConv(x, `${n}.branch3x3_1`, [1, 1]);
    const b3a = basicConv(b3, `${n}.branch3x3_2a`, [1, 3], { pad: [0, 1] });
    const b3b = basicConv(b3, `${n}.branch3x3_2b`, [3, 1], { pad: [1, 0] });
    let bd = basicConv(x, `${n}.branch3x3dbl_1`, [1, 1]);
    bd = basicConv(bd, `${n}.branch3x3dbl_2`, [3, 3], { pad: [1, 1] });
    const bda = basicConv(bd, `${n}.branch3x3dbl_3a`, [1, 3], { pad: [0, 1] });
    const bdb = basicConv(bd, `${n}.branch3x3dbl_3b`, [3, 1], { pad: [1, 0] });
    const pooled = pool === 'avg' ? avgPoolExcludingPad(x) : maxPool(x, 1, 1);
    const bp = basicConv(pooled, `${n}.branch_pool`, [1, 1]);
    return concat([b1, concat([b3a, b3b]), concat([bda, bdb]), bp]);
  };

  const input = g.input(INCEPTION_INPUT, 'float32', ['batch', 3, INCEPTION_SIZE, INCEPTION_SIZE]);
  let x: Feature = { value: input, c: 3, h: INCEPTION_SIZE, w: INCEPTION_SIZE };
  x = basicConv(x, 'Conv2d_1a_3x3', [3, 3], { stride: 2 }); // 32 × 149 × 149
  x = basicConv(x, 'Conv2d_2a_3x3', [3, 3]); // 32 × 147 × 147
  x = basicConv(x, 'Conv2d_2b_3x3', [3, 3], { pad: [1, 1] }); // 64 × 147 × 147
  x = maxPool(x, 2, 0); // 64 × 73 × 73
  x = basicConv(x, 'Conv2d_3b_1x1', [1, 1]); // 80 × 73 × 73
  x = basicConv(x, 'Conv2d_4a_3x3', [3, 3]); // 192 × 71 × 71
  x = maxPool(x, 2, 0); // 192 × 35 × 35
  x = inceptionA(x, 'Mixed_5b'); // 256 × 35 × 35
  x = inceptionA(x, 'Mixed_5c'); // 288 × 35 × 35
  x = inceptionA(x, 'Mixed_5d'); // 288 × 35 × 35
  x = inceptionB(x, 'Mixed_6a'); // 768 × 17 × 17
  x = inceptionC(x, 'Mixed_6b'); // 768 × 17 × 17
  x = inceptionC(x, 'Mixed_6c');
  x = inceptionC(x, 'Mixed_6d');
  x = inceptionC(x, 'Mixed_6e');
  x = inceptionD(x, 'Mixed_7a'); // 1280 × 8 × 8
  x = inceptionE(x, 'Mixed_7b', 'avg'); // 2048 × 8 × 8
  x = inceptionE(x, 'Mixed_7c', 'max'); // 2048 × 8 × 8
  const pooled = g.op('GlobalAveragePool', [x.value]); // N × 2048 × 1 × 1
  const pool = g.op('Flatten', [pooled], { axis: int(1) }); // N × 2048

  const fc = param('fc.weight', [-1, x.c]);
  const classes = fc.shape[0];
  const fcT = new Float32Array(fc.data.length); // [2048, classes] for MatMul
  for (let o = 0; o < classes; o++) for (let i = 0; i < x.c; i++) fcT[i * classes + o] = fc.data[o * x.c + i];
  const logits = g.op('MatMul', [pool, g.initializer('fc.weight_t', fcT, [x.c, classes])]); // N × 1008, no bias
  flops += 2 * x.c * classes;

  g.output(pool, INCEPTION_POOL, 'float32', ['batch', x.c]);
  g.output(logits, INCEPTION_LOGITS, 'float32', ['batch', classes]);
  g.metadata('tokenset.model', 'inception-v3-compat');
  g.metadata('tokenset.flops_per_image', String(flops));
  return { model: g.toBytes(), flopsPerImage: flops };
}
