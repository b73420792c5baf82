import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiT1D, exportDiT1D } from '@tokenset/dit1d';
import { formulaStateDict, parseShapes } from '@tokenset/formula-weights';
import { type Bench, median } from '../../../scripts/bench-types.ts';

// DiT1D-S (formula weights) forward in fp32 and in int8 (dynamically quantized linear layers),
// interleaved in the same process so that both see the same load; and how far apart their
// probabilities are.
const shapes = parseShapes(
  JSON.parse(readFileSync(new URL('../test/fixtures/full-dit1d-s/shapes.json', import.meta.url), 'utf8')),
);
const B = Number(process.env.TOKENSET_BENCH_INT8_BATCH ?? 1);
const REPEATS = 2;

/** The part of onnxruntime-node used here, loaded as @tokenset/runtime loads it (its profiler is not part of our API). */
interface Ort {
  Tensor: new (type: 'int32' | 'float32', data: Int32Array | Float32Array, dims: number[]) => unknown;
  InferenceSession: {
    create(
      model: Uint8Array,
      options: Record<string, unknown>,
    ): Promise<{
      run(feeds: Record<string, unknown>): Promise<unknown>;
      endProfiling(): void;
      release(): Promise<void>;
    }>;
  };
}
const ort = createRequire(import.meta.resolve('@tokenset/runtime'))('onnxruntime-node') as Ort;

/**
 * Milliseconds per forward spent in each operator type, from onnxruntime's own profiler: where
 * int8 can help (the linear layers) and where it cannot (attention, which stays float32).
 */
async function kernelMs(model: Uint8Array, feeds: Record<string, unknown>, runs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'tokenset-int8-profile-'));
  const session = await ort.InferenceSession.create(model, {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    enableProfiling: true,
    profileFilePrefix: join(dir, 'forward'),
  });
  await session.run(feeds); // warm-up (profiled too: left out below)
  for (let r = 0; r < runs; r++) await session.run(feeds);
  session.endProfiling(); // writes forward_<date>.json into dir (onnxruntime-node returns no name)
  await session.release();
  const [file] = readdirSync(dir).filter((f) => f.endsWith('.json'));
  const events = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    cat: string;
    name: string;
    dur: number;
    args?: { op_name?: string };
  }[];
  rmSync(dir, { recursive: true, force: true });
  const byOp = new Map<string, number[]>();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || e.args?.op_name === undefined) continue;
    const op = e.args.op_name;
    const list = byOp.get(op) ?? [];
    byOp.set(op, list);
    list.push(e.dur);
  }
  // every kernel runs once per forward: the first (runs+1)-th of each op's events is the warm-up
  const ms = new Map<string, number>();
  for (const [op, durations] of byOp) {
    const perForward = durations.length / (runs + 1);
    const timed = durations.slice(perForward);
    ms.set(op, timed.reduce((a, b) => a + b, 0) / 1000 / runs);
  }
  return ms;
}

const bench: Bench = async () => {
  const fp32 = await DiT1D.fromStateDict(formulaStateDict(shapes), {
    preset: 'DiT1D-S',
    consumeStateDict: true,
  });
  const int8 = await DiT1D.fromStateDict(formulaStateDict(shapes), {
    preset: 'DiT1D-S',
    dtype: 'int8',
    consumeStateDict: true,
  });
  const counts = new Int32Array(B * 4096);
  for (let b = 0; b < B; b++) for (let i = 0; i < 128; i++) counts[b * 4096 + ((i * 31 + b) % 4096)] += 1;
  const t = new Float32Array(B).fill(0.5);
  const labels = new Int32Array(B).fill(207);
  const seconds: Record<'fp32' | 'int8', number[]> = { fp32: [], int8: [] };
  let delta = 0;
  for (let r = 0; r <= REPEATS; r++) {
    const outputs: Float32Array[] = [];
    for (const [name, model] of [
      ['fp32', fp32],
      ['int8', int8],
    ] as const) {
      const start = performance.now();
      outputs.push(await model.probabilities(counts, t, labels));
      if (r > 0) seconds[name].push((performance.now() - start) / 1000); // run 0 warms up
    }
    for (let i = 0; i < outputs[0].length; i++)
      delta = Math.max(delta, Math.abs(outputs[0][i] - outputs[1][i]));
  }
  await fp32.release();
  await int8.release();

  // Where the time goes, by onnxruntime's profiler (same counts, t and labels).
  const feeds = {
    x: new ort.Tensor('int32', counts, [B, 4096]),
    t: new ort.Tensor('float32', t, [B]),
    y: new ort.Tensor('int32', labels, [B]),
  };
  const fp32Ops = await kernelMs(exportDiT1D(formulaStateDict(shapes), { preset: 'DiT1D-S' }), feeds, 2);
  const int8Ops = await kernelMs(
    exportDiT1D(formulaStateDict(shapes), { preset: 'DiT1D-S', dtype: 'int8' }),
    feeds,
    2,
  );
  const total = (ops: Map<string, number>) => [...ops.values()].reduce((a, b) => a + b, 0);
  const attention = fp32Ops.get('MultiHeadAttention') ?? 0;
  const linearFp32 = fp32Ops.get('MatMul') ?? 0;
  const linearInt8 = int8Ops.get('DynamicQuantizeMatMul') ?? 0;
  const attentionShare = attention / total(fp32Ops);

  const fp32s = median(seconds.fp32);
  const int8s = median(seconds.int8);
  return [
    {
      name: `dit1d: DiT1D-S forward B=${B}, int8 (dynamic quantization) vs fp32, same run`,
      figure: int8s,
      unit: 's/forward',
      ceiling: fp32s,
      ceilingName: 'fp32, same run',
      better: 'lower',
      goal: '>= 1.5x the fp32 speed',
      met: int8s * 1.5 <= fp32s,
    },
    {
      name: 'dit1d: DiT1D-S linear layers alone (onnxruntime profiler): int8 DynamicQuantizeMatMul vs fp32 MatMul',
      figure: linearInt8,
      unit: 'ms/forward',
      ceiling: linearFp32,
      ceilingName: 'fp32 MatMul kernels, same run',
      better: 'lower',
    },
    {
      // Attention (query·key and weights·value over 4,096 positions) stays float32 in both models:
      // even int8 linear layers that cost nothing leave the forward at most 1/share faster.
      name: `dit1d: DiT1D-S fp32 forward, attention's share (stays fp32; caps the int8 speed-up at ${(1 / attentionShare).toFixed(2)}x)`,
      figure: attentionShare * 100,
      unit: '%',
      better: 'lower',
    },
    {
      name: 'dit1d: DiT1D-S int8 vs fp32, max |Δ probability|',
      figure: delta,
      unit: '',
      better: 'lower',
    },
  ];
};
export default bench;
