/**
 * Seeded random numbers for training (initialisation, batch order, label dropout): a small,
 * fast generator (mulberry32) so a run is a function of its seed, and a resumed run replays
 * exactly what an uninterrupted one would have drawn.
 */

/** A stream of uniforms in [0, 1). */
export type Uniform = () => number;

/** mulberry32 seeded with `seed` (any 32-bit integer). */
export function uniformStream(seed: number): Uniform {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed for a named purpose at a given step: streams that do not overlap and need no state. */
export function derivedSeed(seed: number, purpose: string, step = 0): number {
  let h = 0x811c9dc5 ^ seed;
  for (const ch of `${purpose}:${step}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** `n` standard normal values (Box–Muller) from `u`. */
export function normals(u: Uniform, n: number, std = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const a = 2 * Math.PI * u();
    out[i] = r * Math.cos(a) * std;
    if (i + 1 < n) out[i + 1] = r * Math.sin(a) * std;
  }
  return out;
}

/** A permutation of 0..n-1 (Fisher–Yates). */
export function permutation(u: Uniform, n: number): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
