// Float32 emulation: the reference computes in float32 tensors; every operation is rounded with
// Math.fround so that replays reproduce its integer draws exactly.

/** Rounds to float32. */
export const f32 = Math.fround;

/** `torch.sqrt(torch.tensor(2π))` in float32: the sampler's normalisation constant (flows.py). */
export const SQRT_2PI_F32 = Math.fround(Math.sqrt(Math.fround(2 * Math.PI)));

/**
 * The training loop's constant: train.py builds `torch.tensor(2π, dtype=long)` (its `z_q` is an
 * integer tensor), which truncates to 6, so its "sqrt(2π)" is float32 √6. It cancels in the
 * normalisation; kept for bit-faithful replays of the training draw.
 */
export const SQRT_6_F32 = Math.fround(Math.sqrt(6));

/** The reference's `epsilon = 1e-6` added to σ, as float32. */
export const SIGMA_EPSILON_F32 = Math.fround(1e-6);

/**
 * `torch.linspace(0, 1, steps + 1)` in float32 as PyTorch's CPU kernel computes it: a float32 step,
 * the first half counted up from 0 and the second half counted down from 1.
 */
export function timeGrid(steps: number): Float32Array {
  const n = steps + 1;
  const out = new Float32Array(n);
  const step = f32(1 / steps);
  const halfway = Math.floor(n / 2);
  for (let i = 0; i < n; i++) {
    out[i] = i < halfway ? f32(step * i) : f32(1 - f32(step * (n - i - 1)));
  }
  return out;
}
