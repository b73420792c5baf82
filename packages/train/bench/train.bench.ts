import { dit1dFlops } from '@tokenset/dit1d';
import { tokenizerConfig, tokenizerFlops } from '@tokenset/tokenizer';
import { type Bench, type BenchRow, median } from '../../../scripts/bench-types.ts';
import { DEMO_DIT1D_SIZES, DEMO_TOKENIZER_CONFIG, tokenizerParameterShapes } from '../src/index.js';
import { stepThroughput, tfjsMatmulCeilingGflops } from '../src/throughput.js';

// Training speed of the demo models' sizes on TensorFlow.js (WebAssembly): examples per second of a
// whole training step (forward, backward, AdamW) on one thread, and the GFLOP/s that makes (3× the
// forward FLOPs) beside tfjs-wasm's own float32 matrix product on 1024² matrices measured in the
// same run, interleaved with the steps; then the same step shared by two threads (data parallel).

const bench: Bench = async () => {
  const rows: BenchRow[] = [];
  // C = 128 is where the demo runs start; the committed demo models grew it to 512 (the harder case).
  const models = [128, 512].flatMap((codebookSize) => {
    const c = { ...DEMO_TOKENIZER_CONFIG, codebookSize };
    const shapes = new Map(
      tokenizerParameterShapes(c).map((e) => [
        e.name,
        { shape: e.shape, data: new Float32Array(e.shape.reduce((a, b) => a * b, 1)) },
      ]),
    );
    const flops = tokenizerFlops(tokenizerConfig(shapes, c.heads));
    const dit: Parameters<typeof dit1dFlops>[0] = {
      codebookSize,
      setSize: c.numLatentTokens,
      frequencySize: 256,
      mlpHiddenSize: 4 * DEMO_DIT1D_SIZES.hiddenSize,
      ...DEMO_DIT1D_SIZES,
    };
    const { hiddenSize, depth } = DEMO_DIT1D_SIZES;
    return [
      {
        name: `set tokenizer (32×32, patch 4, width ${c.width}, C=${codebookSize})`,
        kind: 'tokenizer' as const,
        codebookSize,
        batch: 32,
        flops: flops.encoder + flops.decoder,
      },
      {
        name: `DiT1D (C=${codebookSize}, M=32, width ${hiddenSize}, depth ${depth})`,
        kind: 'dit1d' as const,
        codebookSize,
        batch: 32,
        flops: dit1dFlops(dit, 1),
      },
    ];
  });
  for (const m of models) {
    let oneThread = 0;
    for (const workers of [1, 2]) {
      const perStep: number[] = [];
      const ceilings: number[] = [];
      const timer = await stepThroughput(m.kind, m.batch, workers, m.codebookSize);
      try {
        await timer.step(); // warm-up
        for (let i = 0; i < 3; i++) {
          ceilings.push(await tfjsMatmulCeilingGflops());
          perStep.push(await timer.step());
        }
      } finally {
        await timer.close();
      }
      const seconds = median(perStep);
      const gflops = (3 * m.flops * m.batch) / seconds / 1e9;
      const threads = workers === 1 ? 'one thread' : `${workers} threads (data parallel)`;
      rows.push({
        name: `train: ${m.name}, batch ${m.batch}, ${threads}`,
        figure: m.batch / seconds,
        unit: 'examples/s',
        better: 'higher',
        ...(workers === 1
          ? {}
          : {
              ceiling: oneThread * workers,
              ceilingName: `${workers} × one thread's speed, same run`,
              goal: `>= 1.7x one thread on 2 idle cores`,
              met: m.batch / seconds >= 1.7 * oneThread,
            }),
      });
      if (workers === 1) {
        oneThread = m.batch / seconds;
        rows.push({
          name: `train: ${m.name} achieved, one thread (3 × ${(m.flops / 1e6).toFixed(0)} MFLOP per example)`,
          figure: gflops,
          unit: 'GFLOP/s',
          ceiling: median(ceilings),
          ceilingName: 'tfjs-wasm f32 matMul 1024², one thread',
          better: 'higher',
        });
      }
    }
  }
  return rows;
};

export default bench;
