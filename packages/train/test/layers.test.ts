import { describe, expect, it } from 'vitest';
import { convFilterGradient } from '../src/layers.js';
import {
  checkReconstructionLoss,
  type ReconstructionLoss,
  reconstructionLoss,
} from '../src/reconstruction-loss.js';
import { initBackend, tf } from '../src/tf.js';

describe('convFilterGradient', () => {
  it("equals the direct sum over pixels of a stride-1 'same' convolution's filter gradient", async () => {
    await initBackend();
    const [b, h, w, c, o] = [2, 5, 4, 3, 2];
    for (const k of [1, 3, 5]) {
      const xs = Float32Array.from({ length: b * h * w * c }, (_, i) => Math.sin(i * 0.7));
      const dys = Float32Array.from({ length: b * h * w * o }, (_, i) => Math.cos(i * 0.3));
      const got = convFilterGradient(tf.tensor4d(xs, [b, h, w, c]), tf.tensor4d(dys, [b, h, w, o]), k);
      expect(got.shape).toEqual([k, k, c, o]);
      const values = got.dataSync();
      const before = (k - 1) >> 1;
      for (let ky = 0; ky < k; ky++)
        for (let kx = 0; kx < k; kx++)
          for (let ci = 0; ci < c; ci++)
            for (let oi = 0; oi < o; oi++) {
              let sum = 0;
              for (let n = 0; n < b; n++)
                for (let y = 0; y < h; y++)
                  for (let x = 0; x < w; x++) {
                    const sy = y + ky - before;
                    const sx = x + kx - before;
                    if (sy < 0 || sy >= h || sx < 0 || sx >= w) continue;
                    sum += xs[((n * h + sy) * w + sx) * c + ci] * dys[((n * h + y) * w + x) * o + oi];
                  }
              expect(values[((ky * k + kx) * c + ci) * o + oi]).toBeCloseTo(sum, 4);
            }
    }
  });
});

describe('reconstructionLoss', () => {
  it('mse, l1, and clamped-mse (no penalty past −1 where the target is −1, nor past 1 where it is 1)', async () => {
    await initBackend();
    const target = tf.tensor1d([-1, -1, 1, 1, 0, -1]);
    const rec = tf.tensor1d([-1.5, -0.5, 1.5, 0.5, 0.5, 2]);
    const value = (kind: ReconstructionLoss) => reconstructionLoss(kind, rec, target).dataSync()[0];
    expect(value('mse')).toBeCloseTo((0.25 + 0.25 + 0.25 + 0.25 + 0.25 + 9) / 6, 6);
    expect(value('l1')).toBeCloseTo((0.5 * 5 + 3) / 6, 6);
    // −1.5 under a −1 target and 1.5 over a 1 target are exact once clamped: no loss there.
    expect(value('clamped-mse')).toBeCloseTo((0.25 + 0.25 + 0.25 + 9) / 6, 6);
    // and the gradient still pulls a pixel that is on the wrong side back
    const grad = tf
      .grad((r: tf.Tensor) => reconstructionLoss('clamped-mse', r, target))(rec)
      .dataSync();
    expect(Array.from(grad).map((g) => Math.sign(g))).toEqual([0, 1, 0, -1, 1, 1]);
    expect(() => checkReconstructionLoss('L2')).toThrow(
      'loss: expected one of mse, clamped-mse, l1, got "L2"',
    );
  });
});
