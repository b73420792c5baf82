import { describe, expect, it } from 'vitest';
import { runLoop, TrainError } from '../src/index.js';

/** A fake run whose loss is `losses[step]`, recording the steps it saves. */
function fakeRun(losses: number[]) {
  const saved: number[] = [];
  return {
    saved,
    target: {
      kind: 'fake',
      batchSize: 1,
      step: (s: number) => ({ loss: losses[s] }),
      save: async (stepsDone: number) => {
        saved.push(stepsDone);
        return `step-${stepsDone}`;
      },
    },
  };
}

describe('runLoop', () => {
  it('stops a run whose loss is no longer finite, without saving its weights', async () => {
    const { saved, target } = fakeRun([1, 0.5, Number.NaN, 0.2]);
    await expect(runLoop(target, { startStep: 0, totalSteps: 4, checkpointSeconds: 1e6 })).rejects.toThrow(
      new TrainError(
        'fake: the loss became NaN at step 3; stopped without saving (no checkpoint was written); try a lower learning rate',
      ),
    );
    expect(saved).toEqual([]);
  });

  it('names the checkpoint that is kept', async () => {
    const { saved, target } = fakeRun([1, 0.5, Number.POSITIVE_INFINITY]);
    await expect(runLoop(target, { startStep: 0, totalSteps: 3, checkpointSeconds: 0 })).rejects.toThrow(
      'fake: the loss became Infinity at step 3; stopped without saving (the last checkpoint, of step 2, is kept)',
    );
    expect(saved).toEqual([1, 2]);
    const resumed = fakeRun([1, 1, Number.NaN]);
    await expect(
      runLoop(resumed.target, { startStep: 2, totalSteps: 3, checkpointSeconds: 1e6 }),
    ).rejects.toThrow('(the last checkpoint, of step 2, is kept)');
  });

  it('runs and saves a finite run to the end', async () => {
    const { saved, target } = fakeRun([1, 0.5, 0.25]);
    expect(await runLoop(target, { startStep: 0, totalSteps: 3, checkpointSeconds: 1e6 })).toBe(3);
    expect(saved).toEqual([3]);
  });
});
