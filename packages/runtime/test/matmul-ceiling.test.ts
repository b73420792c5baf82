import { matmulCeilingGflops } from '@tokenset/runtime';
import { describe, expect, it } from 'vitest';

describe('matmulCeilingGflops', () => {
  it('measures a positive, finite throughput', async () => {
    const gflops = await matmulCeilingGflops({ size: 128, repeats: 3 });
    expect(Number.isFinite(gflops)).toBe(true);
    expect(gflops).toBeGreaterThan(0);
  });

  it('rejects bad sizes', async () => {
    await expect(matmulCeilingGflops({ size: 0 })).rejects.toThrow(
      'size: expected a positive integer, got 0',
    );
  });
});
