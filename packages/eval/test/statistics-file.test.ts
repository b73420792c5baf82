import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FeatureStatistics,
  frechetDistance,
  loadStatistics,
  MetricError,
  saveStatistics,
} from '@tokenset/eval';
import { encodeNpz } from '@tokenset/tensor-io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, npy } from './fixture.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tokenset-eval-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadStatistics / saveStatistics', () => {
  it('reads stats_b.npz (float32 mu, float64 sigma)', async () => {
    const stats = await loadStatistics(fixturePath('fid/stats_b.npz'));
    expect(stats.dim).toBe(256);
    expect(stats.muDtype).toBe('float32');
    expect(stats.mu).toEqual(Float64Array.from((await npy('fid/mu_b')).data as Float32Array));
    expect(stats.sigma).toEqual((await npy('fid/sigma_b')).data);
    expect(stats.accumulator).toBeUndefined();
  });

  it('round-trips float32 and float64 mu, and the mergeable sums', async () => {
    const features = (await npy('fid/features_a')).data as Float32Array;
    const acc = new FeatureStatistics(256).add(features);
    const p64 = join(dir, 'a64.npz');
    const p32 = join(dir, 'a32.npz');
    await saveStatistics(p64, acc);
    await saveStatistics(p32, acc.statistics(), { muDtype: 'float32', compress: true });
    const s64 = await loadStatistics(p64);
    const s32 = await loadStatistics(p32);
    expect(s64.muDtype).toBe('float64');
    expect(s64.mu).toEqual(acc.statistics().mu); // torch-fidelity's float32 values, stored as float64
    expect(s64.sigma).toEqual(acc.covariance());
    expect(s32.muDtype).toBe('float32');
    expect(s32.mu).toEqual(acc.statistics().mu);
    expect(s64.accumulator?.count).toBe(600);
    expect(s64.accumulator?.sumOuter).toEqual(acc.sumOuter);
    expect(s64.accumulator?.sum32).toEqual(acc.sum32);
    expect(s64.accumulator?.statistics({ mu: 'float32' })).toEqual(acc.statistics({ mu: 'float32' }));
    expect(frechetDistance(s64, s32)).toBeLessThan(1e-6);
  });

  it('rejects a file without mu, a dimension mismatch and non-float arrays', async () => {
    const noMu = encodeNpz({ sigma: { dtype: 'float64', shape: [2, 2], data: new Float64Array(4) } });
    await expect(loadStatistics(noMu)).rejects.toThrow(MetricError);
    await expect(loadStatistics(noMu)).rejects.toThrow(/expected an array "mu".*got sigma/);
    const mismatch = encodeNpz({
      mu: { dtype: 'float32', shape: [3], data: new Float32Array(3) },
      sigma: { dtype: 'float64', shape: [2, 2], data: new Float64Array(4) },
    });
    await expect(loadStatistics(mismatch)).rejects.toThrow(/dimension mismatch/);
    const ints = encodeNpz({
      mu: { dtype: 'int32', shape: [2], data: new Int32Array(2) },
      sigma: { dtype: 'float64', shape: [2, 2], data: new Float64Array(4) },
    });
    await expect(loadStatistics(ints)).rejects.toThrow(/expected float32 or float64, got int32/);
    await expect(loadStatistics(42 as never)).rejects.toThrow(TypeError);
  });
});
