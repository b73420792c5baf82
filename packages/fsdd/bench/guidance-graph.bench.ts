import { guide } from '@tokenset/fsdd';
import { Graph, int } from '@tokenset/onnx-graph';
import { ModelSession } from '@tokenset/runtime';
import { type Bench, medianMs } from '../../../scripts/bench-types.ts';
import { C, diffuseProbs, flattened, K, REAL_SIZE } from './sampler-inputs.ts';

// Could the guidance combination run in an onnxruntime graph beside the model instead of in
// JavaScript? The same clamp(u + s(c - u), 0) renormalised, on B = 8 rows of C = 4096 entries, both
// timed in the same run. (onnxruntime's float32 ReduceSum does not round like the reference's
// float64 sum, so a graph would not replay the reference bit for bit: it could only be an option.)
const B = 8;

function guidanceGraph(): Uint8Array {
  const g = new Graph({ name: 'guidance' });
  const cond = g.input('cond', 'float32', ['n', K]);
  const uncond = g.input('uncond', 'float32', ['n', K]);
  const scale = g.input('scale', 'float32', []);
  const mixed = g.op('Relu', [g.op('Add', [uncond, g.op('Mul', [scale, g.op('Sub', [cond, uncond])])])]);
  const axes = g.constant(new BigInt64Array([1n]), [1]);
  const total = g.op('ReduceSum', [mixed, axes], { keepdims: int(1) });
  g.output(g.op('Div', [mixed, total]), 'guided', 'float32', ['n', K]);
  return g.toBytes();
}

const bench: Bench = async () => {
  const cond = diffuseProbs(B);
  const uncond = flattened(cond, REAL_SIZE);
  const out = new Float32Array(cond.length);
  const js = await medianMs(() => guide(cond, uncond, 4, K, out), 5, 2);
  const session = await ModelSession.create(guidanceGraph());
  const feeds = {
    cond: { type: 'float32' as const, dims: [B * C, K], data: cond },
    uncond: { type: 'float32' as const, dims: [B * C, K], data: uncond },
    scale: { type: 'float32' as const, dims: [], data: Float32Array.of(4) },
  };
  const ort = await medianMs(() => session.run(feeds), 5, 2);
  await session.release();
  return [
    {
      name: `fsdd guidance combination, B=${B} C=${C} K=${K}: JavaScript (guide) vs an onnxruntime graph`,
      figure: js / B,
      unit: 'ms/row-step',
      ceiling: ort / B,
      ceilingName: 'onnxruntime graph (all cores), same run',
      better: 'lower',
    },
  ];
};
export default bench;
