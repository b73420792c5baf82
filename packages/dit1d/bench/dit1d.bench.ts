import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromStateDict, DiT1D, type DiT1DConfig, dit1dFlops, dit1dShapes } from '@tokenset/dit1d';
import { formulaStateDict, formulaTensor, parseShapes } from '@tokenset/formula-weights';
import { writeCheckpoint } from '@tokenset/tensor-io';
import { type Bench, type BenchRow, timedAgainstCeiling } from '../../../scripts/bench-types.ts';

// DiT1D-S at full size (formula weights): forward time, achieved GFLOP/s next to onnxruntime's
// float32 MatMul ceiling measured in the same process (interleaved with the forwards, so both see
// the same load), peak memory at batch 8, and converting a DiT1D-B-sized checkpoint.

const here = (p: string) => new URL(p, import.meta.url).pathname;

function child(script: string, args: string[]): Record<string, number> {
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=source', here(script), ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (run.status !== 0) throw new Error(`${script} failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!);
}

function inputs(batch: number) {
  const counts = new Int32Array(batch * 4096);
  for (let b = 0; b < batch; b++) for (let i = 0; i < 128; i++) counts[b * 4096 + ((i * 31 + b) % 4096)] += 1;
  return { counts, t: new Float32Array(batch).fill(0.5), labels: new Int32Array(batch).fill(207) };
}

const bench: Bench = async () => {
  const rows: BenchRow[] = [];
  const shapes = parseShapes(
    JSON.parse(readFileSync(here('../test/fixtures/full-dit1d-s/shapes.json'), 'utf8')),
  );
  // The sizes the FLOP count needs are read from the weights, like the exporter does.
  let config: DiT1DConfig | undefined;
  for (const attention of ['fused', 'standard'] as const) {
    const stateDict = formulaStateDict(shapes);
    config ??= configFromStateDict(stateDict, { preset: 'DiT1D-S' });
    const dit = await DiT1D.fromStateDict(stateDict, {
      preset: 'DiT1D-S',
      attention,
      consumeStateDict: true,
    });
    const batches = attention === 'fused' ? [2, 8] : [2]; // standard attention at B=8 needs > 3 GB of scores
    for (const batch of batches) {
      const x = inputs(batch);
      const run = () => dit.probabilities(x.counts, x.t, x.labels);
      await run(); // warm-up
      const { seconds, ceiling } = await timedAgainstCeiling(run, batch === 2 ? 3 : 2);
      const gflops = dit1dFlops(config, batch) / seconds / 1e9;
      const name = `dit1d: DiT1D-S forward B=${batch} (${attention} attention)`;
      rows.push({ name: `${name} time`, figure: seconds, unit: 's/forward', better: 'lower' });
      rows.push({
        name: `${name} throughput (${(dit1dFlops(config, batch) / 1e9).toFixed(0)} GFLOP)`,
        figure: gflops,
        unit: 'GFLOP/s',
        ceiling,
        ceilingName: 'ORT f32 MatMul 2048²',
        better: 'higher',
        ...(batch === 2 && attention === 'fused'
          ? { goal: '>= 60% of ceiling', met: gflops >= 0.6 * ceiling }
          : {}),
      });
    }
    await dit.release();
  }

  const b8 = child('forward-child.ts', ['8']);
  rows.push({
    name: 'dit1d: DiT1D-S peak resident memory, load + forward B=8 (own process)',
    figure: b8.peakMiB,
    unit: 'MiB',
    ceiling: 4096,
    ceilingName: 'target',
    better: 'lower',
    goal: '< 4 GB',
    met: b8.peakMiB < 4096,
  });

  // A DiT1D-B-sized checkpoint (plain state dict), written tensor by tensor.
  const dir = mkdtempSync(join(tmpdir(), 'dit1d-bench-'));
  try {
    const pth = join(dir, 'dit1d-b.pth');
    const bShapes = dit1dShapes({
      codebookSize: 4096,
      setSize: 128,
      hiddenSize: 768,
      depth: 12,
      numClasses: 1000,
    });
    await writeCheckpoint(
      pth,
      (function* () {
        for (const { name, shape } of bShapes) {
          yield [name, { dtype: 'float32' as const, shape, data: formulaTensor(name, shape) }];
        }
      })(),
    );
    const weightsMiB = bShapes.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 4), 0) / 2 ** 20;
    const conv = child('convert-child.ts', [pth, join(dir, 'dit1d-b.onnx')]);
    rows.push({
      name: `dit1d: convert DiT1D-B-sized .pth (${(statSync(pth).size / 2 ** 20).toFixed(0)} MiB) to .onnx`,
      figure: conv.seconds,
      unit: 's',
      ceiling: 10,
      ceilingName: 'target',
      better: 'lower',
      goal: '< 10 s',
      met: conv.seconds < 10,
    });
    rows.push({
      name: `dit1d: convert DiT1D-B peak resident memory (weights ${weightsMiB.toFixed(0)} MiB, process baseline ${conv.baselineMiB.toFixed(0)} MiB)`,
      figure: conv.peakMiB,
      unit: 'MiB',
      ceiling: 2 * weightsMiB,
      ceilingName: '2 × weights',
      better: 'lower',
      goal: '< 2 × weights',
      met: conv.peakMiB < 2 * weightsMiB,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
};
export default bench;
