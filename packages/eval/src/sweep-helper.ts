import { Worker } from 'node:worker_threads';
import type { Float64Arena } from './wasm-kernels.js';

// A second thread for the O(d³) row sweeps of the Fréchet distance: the passes of the Householder
// tridiagonalisation (symmetric-eigen.ts: each step updates and multiplies the leading i×i
// triangle, row by row, each thread accumulating its own A·v) and the blocked row dot products of
// the congruence (dense-kernels.ts), and the blocks left of each panel of the Cholesky factor
// (cholesky.ts). Rows split between the threads. The helper runs the same
// WebAssembly module on the arena's shared memory; the threads meet once per task through Atomics
// on a control block in that memory. The helper's code is a plain JavaScript string (a worker
// cannot load this TypeScript source), kept small: it calls the `rows2` and `dot4x4` kernels and
// does the few scalar leftovers.

/** Byte offsets in the arena's reserved area (see wasm-kernels.ts): results, coefficients, control. */
const OUT = 256;
const COEF = 384;
const CONTROL = 512;

/** Control block slots (Int32): the main thread bumps GEN to start a task, the helper sets DONE. */
const GEN = 0;
const DONE = 1;
const READY = 2;
const FAILED = 3;
const QUIT = 4;
/** Task arguments: rows `FROM..TO-1`, and byte addresses of the matrix and vectors. */
const FROM = 8;
const TO = 9;
const MATRIX = 10;
const ROW_BYTES = 11;
const Q = 12;
const U = 13;
const V = 14;
const PN = 15;
const UPDATE = 16;
/** The task: a tridiagonalisation pass or a range of row dot products (then MATRIX = A). */
const TASK = 17;
const B_MATRIX = 18;
const C_MATRIX = 19;
const RULE = 20;
const TASK_SWEEP = 0;
const TASK_DOTS = 1;
const TASK_CHOLESKY = 2;
/** For a Cholesky task: the panel's first row; the rows' blocks left of it are computed. */
const PANEL_START = 21;

/**
 * Where the row dot products of a task start and end (the `startA`/`startB`/`endA` options of
 * `rowDotProducts`): `'upper'` — rows of A start at their index (A upper triangular);
 * `'band'` — rows of B start at their index and rows of A end after it (A lower, B upper).
 */
export type DotsRule = 'upper' | 'band';

/** Rows of B per cache panel and columns per chunk, as in `rowDotProducts`. */
const JB = 64;
const KC = 512;

const HELPER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory } = workerData;
const { rows2, dot4x4 } = new WebAssembly.Instance(module, { env: { memory } }).exports;
const ctl = new Int32Array(memory.buffer, ${CONTROL}, 32);
const f = new Float64Array(memory.buffer);
const coef = ${COEF / 8};
const out = ${OUT / 8};
function sweep() {
  const from = ctl[${FROM}], to = ctl[${TO}], A = ctl[${MATRIX}], rowBytes = ctl[${ROW_BYTES}];
  const qB = ctl[${Q}], uB = ctl[${U}], vB = ctl[${V}], pnB = ctl[${PN}], update = ctl[${UPDATE}] === 1;
  const n = rowBytes / 8, a = A / 8, q = qB / 8, u = uB / 8, v = vB / 8, pn = pnB / 8;
  f.fill(0, pn, pn + to);
  for (let j = from; j + 1 < to; j += 2) {
    const u0 = update ? f[u + j] : 0, u1 = update ? f[u + j + 1] : 0;
    const q0 = update ? f[q + j] : 0, q1 = update ? f[q + j + 1] : 0;
    const v0 = f[v + j], v1 = f[v + j + 1];
    f[coef] = u0; f[coef + 1] = u1; f[coef + 2] = q0; f[coef + 3] = q1; f[coef + 4] = v0; f[coef + 5] = v1;
    rows2(A + j * rowBytes, rowBytes, qB, uB, vB, pnB, j >> 1, ${COEF}, ${OUT});
    const r0 = a + j * n, r1 = r0 + n;
    const a00 = f[r0 + j] - (u0 * q0 + q0 * u0);
    const a10 = f[r1 + j] - (u1 * q0 + q1 * u0);
    const a11 = f[r1 + j + 1] - (u1 * q1 + q1 * u1);
    f[r0 + j] = a00; f[r1 + j] = a10; f[r1 + j + 1] = a11;
    f[pn + j] += f[out] + a00 * v0 + a10 * v1;
    f[pn + j + 1] += f[out + 1] + a10 * v0 + a11 * v1;
  }
}
function dots() {
  const from = ctl[${FROM}], to = ctl[${TO}], rowBytes = ctl[${ROW_BYTES}], upper = ctl[${RULE}] === 0;
  const A = ctl[${MATRIX}], B = ctl[${B_MATRIX}], n = rowBytes / 8;
  const a = A / 8, b = ctl[${B_MATRIX}] / 8, c = ctl[${C_MATRIX}] / 8;
  for (let i = from; i < to; i++) f.fill(0, c + i * n, c + i * n + i + 1);
  for (let jb = 0; jb < to; jb += ${JB}) {
    const jbEnd = Math.min(jb + ${JB}, to);
    for (let kc = 0; kc < n; kc += ${KC}) {
      const kcEnd = Math.min(kc + ${KC}, n);
      for (let i0 = Math.max(jb, from); i0 < to; i0 += 4) {
        const jEnd = Math.min(jbEnd, i0 + 4);
        for (let j0 = jb; j0 < jEnd; j0 += 4) {
          const lo = upper ? Math.max(i0, kc) : Math.max(j0, kc);
          const hi = upper ? kcEnd : Math.min(kcEnd, i0 + 4);
          if (lo >= hi) continue;
          const pa = A + (i0 * n + lo) * 8, pb = B + (j0 * n + lo) * 8;
          dot4x4(pa, pa + rowBytes, pa + 2 * rowBytes, pa + 3 * rowBytes,
            pb, pb + rowBytes, pb + 2 * rowBytes, pb + 3 * rowBytes, (hi - lo) >> 1, ${OUT});
          const odd = (hi - lo) & 1, last = hi - 1;
          for (let r = 0; r < 4; r++) {
            const row = c + (i0 + r) * n + j0;
            for (let s = 0; s < 4; s++) {
              let v = f[out + r * 4 + s];
              if (odd) v += f[a + (i0 + r) * n + last] * f[b + (j0 + s) * n + last];
              f[row + s] += v;
            }
          }
        }
      }
    }
  }
}
function cholesky() {
  const from = ctl[${FROM}], to = ctl[${TO}], p = ctl[${PANEL_START}], rowBytes = ctl[${ROW_BYTES}];
  const L = ctl[${MATRIX}], n = rowBytes / 8, l = L / 8;
  for (let i0 = from; i0 < to; i0 += 4) {
    for (let j0 = 0; j0 < p; j0 += 4) {
      const pa = L + i0 * rowBytes, pb = L + j0 * rowBytes;
      dot4x4(pa, pa + rowBytes, pa + 2 * rowBytes, pa + 3 * rowBytes,
        pb, pb + rowBytes, pb + 2 * rowBytes, pb + 3 * rowBytes, j0 >> 1, ${OUT});
      for (let jj = j0; jj < j0 + 4; jj++) {
        const rowJ = l + jj * n;
        const pivot = f[rowJ + jj];
        for (let i = i0; i < i0 + 4; i++) {
          const rowI = l + i * n;
          let s = f[rowI + jj];
          s -= f[out + (i - i0) * 4 + (jj - j0)];
          for (let k = j0; k < jj; k++) s -= f[rowI + k] * f[rowJ + k];
          f[rowI + jj] = s / pivot;
        }
      }
    }
  }
}
Atomics.store(ctl, ${READY}, 1);
let seen = 0;
for (;;) {
  for (let spin = 0; spin < 20000 && Atomics.load(ctl, ${GEN}) === seen; spin++);
  Atomics.wait(ctl, ${GEN}, seen);
  const gen = Atomics.load(ctl, ${GEN});
  if (gen === seen) continue;
  seen = gen;
  if (Atomics.load(ctl, ${QUIT}) === 1) break;
  try {
    const task = ctl[${TASK}];
    if (task === ${TASK_DOTS}) dots(); else if (task === ${TASK_CHOLESKY}) cholesky(); else sweep();
  } catch { Atomics.store(ctl, ${FAILED}, 1); }
  Atomics.store(ctl, ${DONE}, gen);
  Atomics.notify(ctl, ${DONE});
}
`;

/**
 * A helper thread that runs part of each row sweep of the tridiagonalisation: the fused
 * `a_j -= u_j·q + q_j·u`, `pn += A·v` over rows `from..to-1` (an even count, `from` even), into its
 * own accumulator `pn`, which {@link SweepHelper.finish} adds to the caller's.
 */
export class SweepHelper {
  private readonly ctl: Int32Array;
  private generation = 0;

  private constructor(
    private readonly worker: Worker,
    memory: { readonly buffer: ArrayBuffer | SharedArrayBuffer },
    private readonly pn: Float64Array,
  ) {
    this.ctl = new Int32Array(memory.buffer, CONTROL, 32);
  }

  /**
   * Starts a helper on the arena's shared memory, with an `n`-vector accumulator allocated in it;
   * null when the arena's memory is not shared or no thread can be started. The helper takes work
   * only once it reports ready, so its start-up never delays the caller.
   */
  static start(arena: Float64Arena, n: number): SweepHelper | null {
    const sharing = arena.sharing;
    if (!sharing) return null;
    try {
      const pn = arena.alloc(n);
      new Int32Array(sharing.memory.buffer, CONTROL, 32).fill(0);
      const worker = new Worker(HELPER_SOURCE, { eval: true, workerData: sharing });
      worker.unref(); // never keeps the process alive
      worker.on('error', () => {}); // a failed start leaves READY at 0: the caller works alone
      return new SweepHelper(worker, sharing.memory, pn);
    } catch {
      return null;
    }
  }

  /** Whether the helper is running and can take a task. */
  get ready(): boolean {
    return Atomics.load(this.ctl, READY) === 1 && Atomics.load(this.ctl, FAILED) === 0;
  }

  /**
   * Hands rows `from..to-1` of the sweep to the helper (see the class description); `A`, `q`, `u`,
   * `v` must live in the arena. The caller must not touch those rows until {@link finish}.
   */
  beginSweep(
    from: number,
    to: number,
    A: Float64Array,
    n: number,
    q: Float64Array,
    u: Float64Array,
    v: Float64Array,
    update: boolean,
  ): void {
    const ctl = this.ctl;
    ctl[FROM] = from;
    ctl[TO] = to;
    ctl[MATRIX] = A.byteOffset;
    ctl[ROW_BYTES] = n * 8;
    ctl[Q] = q.byteOffset;
    ctl[U] = u.byteOffset;
    ctl[V] = v.byteOffset;
    ctl[PN] = this.pn.byteOffset;
    ctl[UPDATE] = update ? 1 : 0;
    this.post(TASK_SWEEP);
  }

  /**
   * Hands the `rowDotProducts` block rows `from..to-1` (multiples of 4, `to` at most `n − n mod 4`)
   * of `C = A·Bᵀ` (lower triangle, sums bounded by `rule`) to the helper; `A`, `B`, `C` must live in
   * the arena, and the caller must not touch those rows of `C` until {@link finish}. The blocks and
   * their summation order are those of `rowDotProducts`, so the results are the same to the bit.
   */
  beginDots(
    from: number,
    to: number,
    A: Float64Array,
    B: Float64Array,
    C: Float64Array,
    n: number,
    rule: DotsRule,
  ): void {
    const ctl = this.ctl;
    ctl[FROM] = from;
    ctl[TO] = to;
    ctl[MATRIX] = A.byteOffset;
    ctl[B_MATRIX] = B.byteOffset;
    ctl[C_MATRIX] = C.byteOffset;
    ctl[ROW_BYTES] = n * 8;
    ctl[RULE] = rule === 'upper' ? 0 : 1;
    this.post(TASK_DOTS);
  }

  /**
   * Hands the Cholesky blocks left of column `p` of the block rows `from..to-1` (multiples of 4,
   * full blocks) of the in-place factor `L` (in the arena) to the helper (see `cholesky`).
   */
  beginCholesky(from: number, to: number, p: number, L: Float64Array, n: number): void {
    const ctl = this.ctl;
    ctl[FROM] = from;
    ctl[TO] = to;
    ctl[PANEL_START] = p;
    ctl[MATRIX] = L.byteOffset;
    ctl[ROW_BYTES] = n * 8;
    this.post(TASK_CHOLESKY);
  }

  private post(task: number): void {
    this.ctl[TASK] = task;
    this.generation++;
    Atomics.store(this.ctl, GEN, this.generation);
    Atomics.notify(this.ctl, GEN);
  }

  /**
   * Waits for the task of {@link beginSweep}, {@link beginDots} or {@link beginCholesky}; after a sweep, adds the helper's
   * products to `pn[0..to)`.
   */
  finish(pn?: Float64Array): void {
    const ctl = this.ctl;
    const generation = this.generation;
    // Spin briefly (the halves take about equally long), then sleep.
    for (let spin = 0; spin < 20000 && Atomics.load(ctl, DONE) !== generation; spin++);
    // A step takes milliseconds; a minute means the thread is gone (its exit event cannot arrive
    // while this thread blocks), so give up rather than hang.
    for (let waited = 0; ; waited++) {
      const done = Atomics.load(ctl, DONE);
      if (done === generation) break;
      if (waited === 60) throw new Error('tridiagonalize: the helper thread stopped answering');
      Atomics.wait(ctl, DONE, done, 1000);
    }
    if (Atomics.load(ctl, FAILED) === 1) throw new Error('tridiagonalize: the helper thread failed');
    if (!pn) return;
    const to = ctl[TO];
    const mine = this.pn;
    for (let k = 0; k < to; k++) pn[k] += mine[k];
  }

  /** Stops the helper thread. */
  close(): void {
    Atomics.store(this.ctl, QUIT, 1);
    this.generation++;
    Atomics.store(this.ctl, GEN, this.generation);
    Atomics.notify(this.ctl, GEN);
    void this.worker.terminate();
  }
}
