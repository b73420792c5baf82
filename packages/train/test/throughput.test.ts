import { describe, expect, it } from 'vitest';
import { stepThroughput } from '../src/throughput.js';

describe('stepThroughput', () => {
  it('checks the codebook size before starting anything', async () => {
    await expect(stepThroughput('dit1d', 4, 1, 1.5)).rejects.toThrow(
      /codebookSize: expected an integer ≥ 2, got 1.5/,
    );
  });
});
