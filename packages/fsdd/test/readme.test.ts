import { type Denoiser, sample } from '@tokenset/fsdd';
import { expect, it } from 'vitest';

it('the README example runs and returns the toy model set', async () => {
  const C = 16;
  const K = 4 + 1;
  const target = new Int32Array(C);
  target[1] = 1;
  target[5] = 2;
  target[9] = 1;
  const toy: Denoiser = {
    codebookSize: C,
    setSize: 4,
    numClasses: 1,
    async probabilities(_counts, t) {
      const probs = new Float32Array(t.length * C * K);
      for (let i = 0; i < t.length * C; i++) probs[i * K + target[i % C]] = 1;
      return probs;
    },
  };
  const steps: number[] = [];
  const { tokens } = await sample(toy, {
    labels: [0, 0],
    seed: 0,
    guidance: 'none',
    onStep: ({ step }) => {
      steps.push(step);
    },
  });
  expect(Array.from(tokens)).toEqual([1, 5, 5, 9, 1, 5, 5, 9]);
  expect(steps).toHaveLength(25);
});
