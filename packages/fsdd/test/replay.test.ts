import { readFileSync } from 'node:fs';
import {
  type Denoiser,
  drawCounts,
  greedyAdjust,
  type SampleOptions,
  sample,
  topK,
  topP,
} from '@tokenset/fsdd';
import { describe, expect, it } from 'vitest';
import { loadNpy } from '../../set-codec/test/npy.js';

const load = (path: string) => loadNpy(new URL(`./fixtures/${path}.npy`, import.meta.url));
const json = (path: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${path}`, import.meta.url), 'utf8'));

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i];
    const a = actual[i];
    const d = Number.isNaN(e) && Number.isNaN(a) ? 0 : Math.abs(a - e);
    if (!(d <= worst)) worst = d;
  }
  expect(worst).toBeLessThanOrEqual(tolerance);
}

function stream(values: ArrayLike<number>, from = 0): () => number {
  let i = from;
  return () => {
    if (i >= values.length) throw new Error('uniform stream exhausted');
    return values[i++];
  };
}

describe('tiny/pieces replays', () => {
  const probs = load('pieces/adjust_probs').data as Float32Array;
  const uniforms = load('pieces/pieces_uniforms').data;

  it('topP(0.8) equals the reference filtered distribution', () => {
    expectClose(topP(probs, 0.8, 9), load('pieces/topp_filtered').data);
  });
  it('topK(2) equals the reference filtered distribution', () => {
    expectClose(topK(probs, 2, 9), load('pieces/topk2_filtered').data);
  });
  it('a top-p draw at step 0 (no adjustment) reproduces every count', () => {
    const x = drawCounts(probs, { batch: 4, setSize: 8, t: 0, uniform: stream(uniforms, 0) });
    expect(Array.from(x)).toEqual(Array.from(load('pieces/topp_sample').data));
  });
  it('a top-k draw at step 0.9 (adjusted, one pass short of the sum) reproduces every count', () => {
    const x = drawCounts(probs, {
      batch: 4,
      setSize: 8,
      t: 0.9,
      strategy: { kind: 'topK', k: 2 },
      uniform: stream(uniforms, 256),
    });
    expect(Array.from(x)).toEqual(Array.from(load('pieces/topk2_adjusted_sample').data));
  });
  it('greedyAdjust (reference one pass) reproduces adjust_out, including the rows it cannot fix', () => {
    const z0 = load('pieces/adjust_z0').data as Int32Array;
    const out = greedyAdjust(z0, probs, 8, { batch: 4 });
    expect(Array.from(out)).toEqual(Array.from(load('pieces/adjust_out').data));
  });
  it("greedyAdjust 'exact' reaches the sum on the same rows", () => {
    const z0 = load('pieces/adjust_z0').data as Int32Array;
    const out = greedyAdjust(z0, probs, 8, { batch: 4, mode: 'exact' });
    for (let b = 0; b < 4; b++) expect(out.subarray(b * 64, b * 64 + 64).reduce((s, v) => s + v, 0)).toBe(8);
    // rows the reference fixes in one pass are fixed the same way
    const reference = load('pieces/adjust_out').data;
    expect(Array.from(out.subarray(0, 128))).toEqual(Array.from(reference.subarray(0, 128)));
  });
});

interface Case {
  name: string;
  options: Partial<SampleOptions>;
}

const cases: Case[] = [
  { name: 'sampler', options: {} },
  {
    name: 'sampler-topk',
    options: { x0: { kind: 'topK', k: 2 }, xt: { kind: 'topK', k: 2 }, adjustFrom: 1.0 },
  },
  {
    name: 'sampler-mild',
    options: { sigmaSchedule: 'sigmoid75_0.84', x0: { kind: 'topP', p: 0.9 } },
  },
];

describe.each(cases)('tiny/$name replay', ({ name, options }) => {
  it('reproduces every model input, trajectory entry and the final tokens', async () => {
    const config = json(`${name}/config.json`);
    const C = config.codebook_size as number;
    const M = config.set_size as number;
    const B = config.batch as number;
    const steps = config.steps as number;
    const modelX = load(`${name}/model_x`).data;
    const modelT = load(`${name}/model_t`).data;
    const modelProbs = load(`${name}/model_probs`).data as Float32Array;
    const trajectory = load(`${name}/trajectory`).data;
    const uniforms = load(`${name}/uniforms`);
    const draws = uniforms.shape[0];
    const labels = load(`${name}/labels`).data;

    let call = 0;
    const denoiser: Denoiser = {
      codebookSize: C,
      setSize: M,
      numClasses: 10,
      async probabilities(counts, t, y) {
        expect(Array.from(counts), `model input x of call ${call}`).toEqual(
          Array.from(modelX.subarray(call * B * C, (call + 1) * B * C)),
        );
        expect(Array.from(t)).toEqual(Array.from(modelT.subarray(call * B, (call + 1) * B)));
        expect(Array.from(y)).toEqual(Array.from(labels));
        const n = B * C * (M + 1);
        return modelProbs.slice(call * n, ++call * n);
      },
    };
    // row b's stream: draw 0, 1, ... of uniforms[:, b, :]
    const taken = new Array(B).fill(0);
    const rowStream = (b: number) => () => {
      const i = taken[b]++;
      const draw = Math.floor(i / C);
      if (draw >= draws) throw new Error(`row ${b}: uniform stream exhausted`);
      return uniforms.data[(draw * B + b) * C + (i % C)];
    };
    const seen: number[][] = [];
    const result = await sample(denoiser, {
      labels: Array.from(labels),
      steps,
      guidance: 'none',
      uniforms: rowStream,
      onStep: (s) => {
        seen.push(Array.from(s.x0), Array.from(s.counts));
      },
      ...options,
    });
    expect(call).toBe(steps);
    expect(Array.from(result.initial)).toEqual(Array.from(trajectory.subarray(0, B * C)));
    for (let j = 0; j < 2 * steps; j++) {
      expect(seen[j], `trajectory entry ${j + 1}`).toEqual(
        Array.from(trajectory.subarray((j + 1) * B * C, (j + 2) * B * C)),
      );
    }
    expect(Array.from(result.counts)).toEqual(Array.from(trajectory.subarray(2 * steps * B * C)));
    expect(Array.from(result.tokens)).toEqual(Array.from(load(`${name}/final_tokens`).data));
    expect(result.fallbackSteps).toEqual(config.fallback_steps);
    // every recorded uniform was consumed, in the recorded order
    expect(taken).toEqual(new Array(B).fill(draws * C));
  });
});
