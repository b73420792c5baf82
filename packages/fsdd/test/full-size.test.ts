import { type Denoiser, sample } from '@tokenset/fsdd';
import { validateTokens } from '@tokenset/set-codec';
import { expect, it } from 'vitest';

// The real sizes (C = 4096, M = 128) with a peaked stub: exercises the wide Gaussian windows, the
// top-p selection on 129 values and the greedy adjustment at the size the released models use.
it('samples at the real size: valid sets of 128 tokens, every adjusted state sums to M', async () => {
  const C = 4096;
  const M = 128;
  const K = M + 1;
  const B = 2;
  const probs = new Float32Array(B * C * K);
  for (let i = 0; i < B * C; i++) {
    const mode = i % 32 === 0 ? 1 : 0;
    for (let k = 0; k < K; k++) probs[i * K + k] = k === mode ? 0.9 : 0.1 / M;
  }
  const stub: Denoiser = { codebookSize: C, setSize: M, numClasses: 1000, probabilities: async () => probs };
  const sums: number[] = [];
  const { tokens, counts } = await sample(stub, {
    labels: [1, 2],
    seed: 3,
    steps: 5,
    guidance: 'none',
    onStep: ({ counts }) => {
      for (let b = 0; b < B; b++) sums.push(counts.subarray(b * C, (b + 1) * C).reduce((s, v) => s + v, 0));
    },
  });
  validateTokens(tokens, { codebookSize: C, setSize: M, batch: B });
  expect(counts.every((v) => v >= 0 && v <= M)).toBe(true);
  // the multinomial xt draw is always adjusted; one pass suffices here (peaked model)
  expect(new Set(sums)).toEqual(new Set([M]));
});
