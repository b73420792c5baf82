import {
  float16ToFloat32,
  float32ToFloat16,
  Graph,
  gelu,
  int,
  layerNorm,
  linear,
  multiHeadAttention,
  silu,
  softmax,
} from '@tokenset/onnx-graph';
import { type HostTensor, ModelSession } from '@tokenset/runtime';
import { describe, expect, it } from 'vitest';
import { maxDiff, noise, refLinear } from './helpers.js';

async function runOne(g: Graph, x: HostTensor): Promise<Float32Array> {
  const session = await ModelSession.create(g.toBytes(), { threads: 1 });
  try {
    const out = await session.run({ x });
    const y = out.y;
    return y.type === 'float16' ? float16ToFloat32(y.data as Uint16Array) : (y.data as Float32Array);
  } finally {
    await session.release();
  }
}

const tanhGelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
function erf(x: number): number {
  // Abramowitz–Stegun 7.1.26 is too coarse; use the series / continued fraction via high-precision Taylor.
  let sum = 0;
  let term = x;
  for (let n = 0; n < 80; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
const erfGelu = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));

describe('composites', () => {
  it('linear matches x Wᵀ + b for 3-D input', async () => {
    const g = new Graph();
    const x = g.input('x', 'float32', ['batch', 5, 7]);
    const w = { shape: [3, 7], data: noise(21, 2) };
    const b = { shape: [3], data: noise(3, 3) };
    g.output(linear(g, x, w, b, 'fc'), 'y', 'float32', ['batch', 5, 3]);
    const xd = noise(70, 4);
    const y = await runOne(g, { type: 'float32', dims: [2, 5, 7], data: xd });
    expect(maxDiff(y, refLinear(xd, 10, w.data, 3, b.data))).toBeLessThan(1e-6);
  });

  it('linear in float16 stays within half precision', async () => {
    const g = new Graph();
    const x = g.input('x', 'float16', [4, 8]);
    const w = { shape: [6, 8], data: noise(48, 5) };
    g.output(linear(g, x, w, undefined, { dtype: 'float16' }), 'y', 'float16', [4, 6]);
    const xd = noise(32, 6);
    const y = await runOne(g, { type: 'float16', dims: [4, 8], data: float32ToFloat16(xd) });
    expect(maxDiff(y, refLinear(xd, 4, w.data, 6))).toBeLessThan(1e-2);
  });

  it('layerNorm matches torch.nn.LayerNorm with and without affine parameters', async () => {
    for (const affine of [false, true]) {
      const g = new Graph();
      const x = g.input('x', 'float32', [3, 6]);
      const scale = affine ? noise(6, 7) : undefined;
      const bias = affine ? noise(6, 8) : undefined;
      g.output(layerNorm(g, x, { size: 6, epsilon: 1e-6, scale, bias }), 'y', 'float32', [3, 6]);
      const xd = noise(18, 9);
      const y = await runOne(g, { type: 'float32', dims: [3, 6], data: xd });
      const ref = new Float64Array(18);
      for (let r = 0; r < 3; r++) {
        const row = Array.from(xd.subarray(r * 6, r * 6 + 6));
        const mean = row.reduce((a, b) => a + b, 0) / 6;
        const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / 6;
        for (let i = 0; i < 6; i++) {
          ref[r * 6 + i] =
            ((row[i] - mean) / Math.sqrt(variance + 1e-6)) * (scale?.[i] ?? 1) + (bias?.[i] ?? 0);
        }
      }
      expect(maxDiff(y, ref)).toBeLessThan(1e-5);
    }
  });

  it.each([
    ['tanh', 21, tanhGelu],
    ['none', 21, erfGelu],
    ['tanh', 17, tanhGelu],
    ['none', 17, erfGelu],
  ] as const)('gelu %s (opset %i) matches its formula', async (approximate, opset, f) => {
    const g = new Graph({ opset });
    const x = g.input('x', 'float32', [41]);
    g.output(gelu(g, x, approximate), 'y', 'float32', [41]);
    const xd = Float32Array.from({ length: 41 }, (_, i) => (i - 20) / 4);
    const y = await runOne(g, { type: 'float32', dims: [41], data: xd });
    expect(maxDiff(y, Array.from(xd, f))).toBeLessThan(2e-6);
  });

  it('silu and softmax match their formulas', async () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [2, 5]);
    g.output(softmax(g, silu(g, x)), 'y', 'float32', [2, 5]);
    const xd = noise(10, 10).map((v) => v * 4);
    const y = await runOne(g, { type: 'float32', dims: [2, 5], data: xd });
    const s = Array.from(xd, (v) => v / (1 + Math.exp(-v)));
    const ref: number[] = [];
    for (let r = 0; r < 2; r++) {
      const row = s.slice(r * 5, r * 5 + 5);
      const m = Math.max(...row);
      const e = row.map((v) => Math.exp(v - m));
      const z = e.reduce((a, b) => a + b, 0);
      ref.push(...e.map((v) => v / z));
    }
    expect(maxDiff(y, ref)).toBeLessThan(1e-6);
  });

  function refAttention(
    qkv: Float32Array,
    batch: number,
    seq: number,
    hidden: number,
    heads: number,
  ): Float64Array {
    const hs = hidden / heads;
    const out = new Float64Array(batch * seq * hidden);
    const at = (b: number, s: number, part: number, h: number, d: number) =>
      qkv[((b * seq + s) * 3 + part) * hidden + h * hs + d];
    for (let b = 0; b < batch; b++) {
      for (let h = 0; h < heads; h++) {
        for (let i = 0; i < seq; i++) {
          const logits = new Float64Array(seq);
          for (let j = 0; j < seq; j++) {
            let dot = 0;
            for (let d = 0; d < hs; d++) dot += at(b, i, 0, h, d) * at(b, j, 1, h, d);
            logits[j] = dot / Math.sqrt(hs);
          }
          const m = Math.max(...logits);
          let z = 0;
          for (let j = 0; j < seq; j++) z += logits[j] = Math.exp(logits[j] - m);
          for (let d = 0; d < hs; d++) {
            let acc = 0;
            for (let j = 0; j < seq; j++) acc += (logits[j] / z) * at(b, j, 2, h, d);
            out[(b * seq + i) * hidden + h * hs + d] = acc;
          }
        }
      }
    }
    return out;
  }

  it.each(['fused', 'standard'] as const)(
    'multiHeadAttention (%s) matches softmax(q kᵀ/√d) v per head',
    async (impl) => {
      const [batch, seq, hidden, heads] = [2, 9, 12, 3];
      for (const dtype of ['float32', 'float16'] as const) {
        const g = new Graph();
        const x = g.input('x', dtype, [batch, seq, 3 * hidden]);
        const [query, key, value] = g.opN('Split', [x], 3, { axis: int(-1), num_outputs: int(3) });
        const y = multiHeadAttention(g, {
          query,
          key,
          value,
          numHeads: heads,
          hiddenSize: hidden,
          implementation: impl,
          dtype,
        });
        g.output(y, 'y', dtype, [batch, seq, hidden]);
        const xd = noise(batch * seq * 3 * hidden, 11).map((v) => v * 2);
        const feed: HostTensor =
          dtype === 'float16'
            ? { type: 'float16', dims: [batch, seq, 3 * hidden], data: float32ToFloat16(xd) }
            : { type: 'float32', dims: [batch, seq, 3 * hidden], data: xd };
        const out = await runOne(g, feed);
        const ref = refAttention(
          dtype === 'float16' ? float16ToFloat32(float32ToFloat16(xd)) : xd,
          batch,
          seq,
          hidden,
          heads,
        );
        expect(maxDiff(out, ref)).toBeLessThan(dtype === 'float16' ? 5e-3 : 1e-6);
      }
    },
  );

  it('rejects bad composite options', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [2, 4]);
    expect(() => linear(g, x, { shape: [4], data: new Float32Array(4) })).toThrow(/2-D \[out, in\]/);
    expect(() =>
      linear(g, x, { shape: [2, 4], data: new Float32Array(8) }, { shape: [3], data: new Float32Array(3) }),
    ).toThrow(/expected 2 values, got 3/);
    expect(() => layerNorm(g, x, { size: 4, epsilon: -1 })).toThrow(/epsilon/);
    expect(() => gelu(g, x, 'erf' as never)).toThrow(/expected 'tanh' or 'none', got 'erf'/);
    expect(() => multiHeadAttention(g, { query: x, key: x, value: x, numHeads: 3, hiddenSize: 4 })).toThrow(
      /positive divisor of hiddenSize 4, got 3/,
    );
    expect(() =>
      multiHeadAttention(g, {
        query: x,
        key: x,
        value: x,
        numHeads: 2,
        hiddenSize: 4,
        implementation: 'flash' as never,
      }),
    ).toThrow(/expected one of 'fused', 'standard', got 'flash'/);
  });
});
