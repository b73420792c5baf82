import { DiT1D } from '@tokenset/dit1d';
import { type Denoiser, guidedDenoiser, type SampleOptions, sample } from '@tokenset/fsdd';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { f32, f64, fixture, i32, json, maxDiff } from './fixtures.js';

// The tiny FSDD sampler runs of the reference, replayed end to end with this package's model (and
// fsdd's guidance) instead of the recorded model outputs. Same uniform stream, same settings.

let dit: DiT1D;
beforeAll(async () => {
  dit = await DiT1D.load(fixture('tiny-dit1d/dit1d.pth'), { numHeads: 4, threads: 1 });
});
afterAll(() => dit?.release());

interface Case {
  name: string;
  options: Partial<SampleOptions>;
  exact: boolean;
}
const cases: Case[] = [
  {
    name: 'sampler-mild',
    options: { sigmaSchedule: 'sigmoid75_0.84', x0: { kind: 'topP', p: 0.9 }, guidance: 2 },
    exact: true,
  },
  { name: 'sampler', options: { guidance: '4_50_55' }, exact: false },
  {
    name: 'sampler-topk',
    options: { x0: { kind: 'topK', k: 2 }, xt: { kind: 'topK', k: 2 }, adjustFrom: 1.0, guidance: '4_50_55' },
    exact: false,
  },
];

/** A denoiser that records what the guided model received and returned at each call. */
function recording(
  model: Denoiser,
  calls: { x: Int32Array; t: Float32Array; probs: Float32Array }[],
): Denoiser {
  return {
    codebookSize: model.codebookSize,
    setSize: model.setSize,
    numClasses: model.numClasses,
    async probabilities(counts, t, labels) {
      const probs = await model.probabilities(counts, t, labels);
      calls.push({ x: counts.slice(), t: t.slice(), probs: probs.slice() });
      return probs;
    },
  };
}

describe.each(cases)('tiny/$name replayed with DiT1D', ({ name, options, exact }) => {
  it(
    exact
      ? 'reproduces the recorded trajectory exactly'
      : 'agrees with the reference until guidance amplifies float differences',
    async () => {
      const dirName = `tiny-${name}`;
      const config = json(`${dirName}/config.json`);
      const C = config.codebook_size as number;
      const B = config.batch as number;
      const steps = config.steps as number;
      const K = (config.set_size as number) + 1;
      const uniforms = await f64(`${dirName}/uniforms`);
      const draws = uniforms.length / (B * C);
      const trajectory = await i32(`${dirName}/trajectory`);
      const modelX = await i32(`${dirName}/model_x`);
      const modelProbs = await f32(`${dirName}/model_probs`);
      const labels = await i32(`${dirName}/labels`);

      const taken = new Array(B).fill(0);
      const rowStream = (b: number) => () => {
        const i = taken[b]++;
        const draw = Math.floor(i / C);
        if (draw >= draws) throw new Error(`row ${b}: uniform stream exhausted`);
        return uniforms[(draw * B + b) * C + (i % C)];
      };
      // The guided wrapper is built outside sample() so that its output can be recorded.
      const calls: { x: Int32Array; t: Float32Array; probs: Float32Array }[] = [];
      const model = recording(guidedDenoiser(dit, { guidance: options.guidance }), calls);
      const seen: Int32Array[] = [];
      const result = await sample(model, {
        ...options,
        labels: Array.from(labels),
        steps,
        guidance: 'none',
        uniforms: rowStream,
        onStep: (s) => {
          seen.push(s.x0.slice(), s.counts.slice());
        },
      });

      // First trajectory entry (1 = x0 of step 0, 2 = z after step 0, ...) that differs, if any.
      let firstDiff = -1;
      for (let j = 0; j < seen.length && firstDiff < 0; j++) {
        const ref = trajectory.subarray((j + 1) * B * C, (j + 2) * B * C);
        if (maxDiff(seen[j], ref) !== 0) firstDiff = j + 1;
      }
      // Probabilities of every call whose input still equals the recorded one.
      let worst = 0;
      let compared = 0;
      const n = B * C * K;
      for (let call = 0; call < calls.length; call++) {
        if (maxDiff(calls[call].x, modelX.subarray(call * B * C, (call + 1) * B * C)) !== 0) break;
        worst = Math.max(worst, maxDiff(calls[call].probs, modelProbs.subarray(call * n, (call + 1) * n)));
        compared++;
      }
      const where =
        firstDiff < 0
          ? 'none'
          : `trajectory entry ${firstDiff} (step ${Math.floor((firstDiff - 1) / 2)}, ${(firstDiff - 1) % 2 === 0 ? 'x0' : 'xt'} draw)`;
      console.log(
        `${name}: first differing draw: ${where}; guided probabilities of ${compared}/${steps} calls with identical inputs agree within ${worst.toExponential(2)}`,
      );
      expect(worst).toBeLessThan(5e-5);
      if (exact) {
        expect(firstDiff).toBe(-1);
        expect(compared).toBe(steps);
        expect(Array.from(result.tokens)).toEqual(Array.from(await i32(`${dirName}/final_tokens`)));
      } else {
        expect(compared).toBeGreaterThanOrEqual(1);
      }
    },
  );
});

describe('sample with sampler threads', () => {
  // With threads the counts live in shared memory, and an unguided run hands them to the model as
  // they are: onnxruntime-node used to reject such inputs ("Invalid argument").
  it('runs an unguided DiT1D on two threads to the one-thread tokens', async () => {
    const options = {
      labels: [0, 1, 2, 3],
      seeds: ['0', '1', '2', '3'],
      guidance: 'none',
      steps: 5,
    } as const;
    const one = await sample(dit, { ...options, threads: 1 });
    const two = await sample(dit, { ...options, threads: 2 });
    expect([...two.tokens]).toEqual([...one.tokens]);
  });
});
