// Two float64 kernels in WebAssembly SIMD (f64x2), assembled here byte by byte so the package
// ships no binary and needs no toolchain: the 4×4 block of row dot products (GEMM-like work of
// the Cholesky factor and the congruence in the Fréchet distance) and the fused two-row
// update + matrix-vector pass of the Householder tridiagonalisation. Both are about twice as fast
// as the same loops in JavaScript (two lanes per instruction, no bounds checks). Everything has a
// plain TypeScript fallback used when WebAssembly SIMD is unavailable.

const I32 = 0x7f;
const V128 = 0x7b;

function uleb(value: number): number[] {
  const out: number[] = [];
  let n = value >>> 0;
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(value: number): number[] {
  const out: number[] = [];
  let n = value | 0;
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [...uleb(s.length), ...new TextEncoder().encode(s)];
const get = (i: number): number[] => [0x20, ...uleb(i)];
const set = (i: number): number[] => [0x21, ...uleb(i)];
const simd = (op: number, ...immediates: number[]): number[] => [0xfd, ...uleb(op), ...immediates];
// Alignment hint 3 (8 bytes): rows start at any float64 boundary.
const v128Load = simd(0x00, 3, 0);
const v128Store = simd(0x0b, 3, 0);
const f64x2Splat = simd(0x14);
const lane = (i: number) => simd(0x21, i);
const f64x2Add = simd(0xf0);
const f64x2Sub = simd(0xf1);
const f64x2Mul = simd(0xf2);
const i32Add = [0x6a];
const i32Sub = [0x6b];
const f64Add = [0xa0];
const f64Store = (offset: number) => [0x39, 3, ...uleb(offset)];
const i32Const = (v: number) => [0x41, ...sleb(v)];

function body(locals: [number, number][], code: number[]): number[] {
  const b = [...vec(locals.map(([count, type]) => [...uleb(count), type])), ...code, 0x0b];
  return [...uleb(b.length), ...b];
}

/** `pairs` iterations of `code`, advancing the byte offset local `o` by 16; skipped when pairs = 0. */
function pairLoop(pairs: number, o: number, code: number[]): number[] {
  return [
    0x02,
    0x40, // block
    ...get(pairs),
    0x45,
    0x0d,
    0, // br_if 0 when pairs == 0
    0x03,
    0x40, // loop
    ...code,
    ...get(o),
    ...i32Const(16),
    ...i32Add,
    ...set(o),
    ...get(pairs),
    ...i32Const(1),
    ...i32Sub,
    0x22,
    ...uleb(pairs), // local.tee pairs
    0x0d,
    0, // br_if loop
    0x0b,
    0x0b,
  ];
}

/**
 * dot4x4(a0..a3, b0..b3, pairs, out): out[r·4+c] = Σ_{2·pairs elements} a_r · b_c (byte addresses).
 * Computed as two 4×2 passes: eight accumulators, four row vectors and one column vector fit in
 * the sixteen SIMD registers of x86-64, where a single 4×4 pass would spill (measured 15–40 %
 * slower).
 */
function dot4x4Function(): number[] {
  const pairs = 8;
  const out = 9;
  const o = 10;
  const count = 11;
  const acc = (r: number, c: number) => 12 + r * 2 + c;
  const x = (r: number) => 20 + r;
  const y = 24;
  const code: number[] = [];
  for (const half of [0, 1]) {
    code.push(...i32Const(0), ...set(o), ...get(pairs), ...set(count));
    for (let r = 0; r < 4; r++)
      for (let c = 0; c < 2; c++) code.push(...simd(0x0c, ...new Array(16).fill(0)), ...set(acc(r, c)));
    const inner: number[] = [];
    for (let r = 0; r < 4; r++) inner.push(...get(r), ...get(o), ...i32Add, ...v128Load, ...set(x(r)));
    for (let c = 0; c < 2; c++) {
      inner.push(...get(4 + 2 * half + c), ...get(o), ...i32Add, ...v128Load, ...set(y));
      for (let r = 0; r < 4; r++) {
        inner.push(...get(acc(r, c)), ...get(x(r)), ...get(y), ...f64x2Mul, ...f64x2Add, ...set(acc(r, c)));
      }
    }
    code.push(...pairLoop(count, o, inner));
    for (let r = 0; r < 4; r++) {
      for (let c = 0; c < 2; c++) {
        code.push(...get(out), ...get(acc(r, c)), ...lane(0), ...get(acc(r, c)), ...lane(1), ...f64Add);
        code.push(...f64Store((r * 4 + 2 * half + c) * 8));
      }
    }
  }
  return body(
    [
      [2, I32],
      [13, V128],
    ],
    code,
  );
}

/**
 * rows{R}(r0, rowBytes, q, u, v, pn, pairs, coef, out): for the R rows starting at byte address
 * `r0` (stride `rowBytes`) and k over the pairs, `a_r[k] -= u_r·q[k] + q_r·u[k]`,
 * `pn[k] += Σ_r a_r[k]·v_r`, and `out[r] = Σ_k a_r[k]·v[k]`; `coef` holds u_0..u_{R-1},
 * q_0..q_{R-1}, v_0..v_{R-1} (float64).
 */
function rowsFunction(R: number): number[] {
  // params: 0 r0, 1 rowBytes, 2 q, 3 u, 4 v, 5 pn, 6 pairs, 7 coef, 8 out (all i32)
  const [q, u, v, pn, pairs, coef, out] = [2, 3, 4, 5, 6, 7, 8];
  const o = 9;
  const row = (r: number) => 10 + r; // i32 row addresses
  const U = (r: number) => 10 + R + r; // v128 from here on
  const Q = (r: number) => 10 + 2 * R + r;
  const V = (r: number) => 10 + 3 * R + r;
  const acc = (r: number) => 10 + 4 * R + r;
  const qk = 10 + 5 * R;
  const uk = qk + 1;
  const vk = qk + 2;
  const a = qk + 3;
  const pAcc = qk + 4;
  // With four rows, keeping the 3R coefficient vectors in locals would exceed the sixteen SIMD
  // registers; they are then re-read from memory (v128.load64_splat, an L1 hit) where used.
  const inMemory = R > 2;
  const coefficient = (local: number, index: number) =>
    inMemory ? [...get(coef), ...simd(0x0a, 3, ...uleb(index * 8))] : get(local);
  const code: number[] = [];
  for (let r = 0; r < R; r++) {
    code.push(...get(0), ...get(1), ...i32Const(r), 0x6c, ...i32Add, ...set(row(r))); // r0 + r·rowBytes
    if (inMemory) continue;
    for (const [local, index] of [
      [U(r), r],
      [Q(r), R + r],
      [V(r), 2 * R + r],
    ]) {
      code.push(...get(coef), 0x2b, 3, ...uleb(index * 8), ...f64x2Splat, ...set(local)); // f64.load
    }
  }
  const at = (ptr: number) => [...get(ptr), ...get(o), ...i32Add];
  const inner = [
    ...at(q),
    ...v128Load,
    ...set(qk),
    ...at(u),
    ...v128Load,
    ...set(uk),
    ...at(v),
    ...v128Load,
    ...set(vk),
    ...at(pn),
    ...v128Load,
    ...set(pAcc),
  ];
  for (let r = 0; r < R; r++) {
    inner.push(
      ...at(row(r)),
      ...v128Load,
      ...coefficient(U(r), r),
      ...get(qk),
      ...f64x2Mul,
      ...coefficient(Q(r), R + r),
      ...get(uk),
      ...f64x2Mul,
      ...f64x2Add,
      ...f64x2Sub,
      ...set(a),
      ...at(row(r)),
      ...get(a),
      ...v128Store,
      ...get(acc(r)),
      ...get(a),
      ...get(vk),
      ...f64x2Mul,
      ...f64x2Add,
      ...set(acc(r)),
      ...get(pAcc),
      ...get(a),
      ...coefficient(V(r), 2 * R + r),
      ...f64x2Mul,
      ...f64x2Add,
      ...set(pAcc),
    );
  }
  inner.push(...at(pn), ...get(pAcc), ...v128Store);
  code.push(...pairLoop(pairs, o, inner));
  for (let r = 0; r < R; r++) {
    code.push(
      ...get(out),
      ...get(acc(r)),
      ...lane(0),
      ...get(acc(r)),
      ...lane(1),
      ...f64Add,
      ...f64Store(r * 8),
    );
  }
  return body(
    [
      [1 + R, I32],
      [4 * R + 5, V128],
    ],
    code,
  );
}

/** Declared maximum of a shared memory (64 Ki pages = 4 GiB); each arena's memory sets its own. */
const MAX_PAGES = 65536;

/**
 * The module; its memory is imported (`env.memory`) so that it can be a shared memory, which a
 * helper thread instantiates the same module on (see sweep-helper.ts).
 */
function moduleBytes(shared: boolean): Uint8Array {
  const types = section(
    1,
    vec([
      [0x60, ...vec(Array.from({ length: 10 }, () => [I32])), 0],
      [0x60, ...vec(Array.from({ length: 9 }, () => [I32])), 0],
    ]),
  );
  // Limits: flags 0x03 = shared with a maximum, 0x00 = minimum only.
  const limits = shared ? [0x03, ...uleb(1), ...uleb(MAX_PAGES)] : [0x00, ...uleb(1)];
  const imports = section(2, vec([[...name('env'), ...name('memory'), 0x02, ...limits]]));
  const functions = section(3, vec([[0], [1], [1]]));
  const exports = section(
    7,
    vec([
      [...name('dot4x4'), 0x00, 0],
      [...name('rows2'), 0x00, 1],
      [...name('rows4'), 0x00, 2],
    ]),
  );
  const code = section(10, vec([dot4x4Function(), rowsFunction(2), rowsFunction(4)]));
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    1,
    0,
    0,
    0,
    ...types,
    ...imports,
    ...functions,
    ...exports,
    ...code,
  ]);
}

// The few WebAssembly JS API members used here (the project's TypeScript lib has no DOM types).
interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => WasmInstance;
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

const compiled = new Map<boolean, object | null>();

function compiledModule(shared: boolean): object | null {
  if (!compiled.has(shared)) {
    try {
      const bytes = moduleBytes(shared);
      compiled.set(shared, wasm?.validate(bytes) ? new wasm.Module(bytes) : null);
    } catch {
      compiled.set(shared, null);
    }
  }
  return compiled.get(shared) ?? null;
}

/** A memory of `pages` pages (shared when the runtime allows it) and the module compiled for it. */
function memoryAndModule(pages: number): { memory: WasmMemory; module: object; shared: boolean } | null {
  if (!wasm) return null;
  for (const shared of [true, false]) {
    const module = compiledModule(shared);
    if (!module) continue;
    try {
      const memory = new wasm.Memory(
        shared ? { initial: pages, maximum: pages, shared } : { initial: pages },
      );
      return { memory, module, shared };
    } catch {
      // no shared memory here (or not enough memory): try the next kind
    }
  }
  return null;
}

/**
 * Bytes at the start of an arena's memory kept for kernel arguments and results: the main thread's
 * scratch (0–127) and coefficients (128–255), then a helper thread's (see sweep-helper.ts).
 */
const RESERVED_BYTES = 1024;

type Dot4x4 = (...args: number[]) => void;
type Kernel = (...args: number[]) => void;

/**
 * Float64 work arrays inside one WebAssembly memory, with the SIMD kernels that work on them.
 * The size is fixed at creation (growing the memory would detach the arrays already handed out).
 */
export class Float64Arena {
  private readonly memory: WasmMemory;
  private readonly dot: Dot4x4;
  private readonly rows2: Kernel;
  private readonly rows4: Kernel;
  private readonly coef: Float64Array;
  private readonly coefPtr: number;
  private next: number;
  private readonly scratch: Float64Array;
  private readonly scratchPtr: number;

  private constructor(
    instance: WasmInstance,
    memory: WasmMemory,
    /** The compiled module and the memory to instantiate it on in a helper thread, if shared. */
    readonly sharing: { module: object; memory: { readonly buffer: ArrayBuffer | SharedArrayBuffer } } | null,
  ) {
    this.memory = memory;
    this.dot = instance.exports.dot4x4 as Dot4x4;
    this.rows2 = instance.exports.rows2 as Kernel;
    this.rows4 = instance.exports.rows4 as Kernel;
    this.scratchPtr = 0;
    this.scratch = new Float64Array(this.memory.buffer, 0, 16);
    this.coefPtr = 128;
    this.coef = new Float64Array(this.memory.buffer, this.coefPtr, 16);
    this.next = RESERVED_BYTES;
  }

  /** An arena for `doubles` float64 values in all, or null when WebAssembly SIMD is unavailable. */
  static create(doubles: number): Float64Arena | null {
    if (!wasm) return null;
    try {
      // Each array is rounded up to 16 bytes; allow for that.
      const bytes = RESERVED_BYTES + doubles * 8 + 64 * 16;
      const made = memoryAndModule(Math.ceil(bytes / 65536));
      if (!made) return null;
      const { memory, module, shared } = made;
      const instance = new wasm.Instance(module, { env: { memory } });
      return new Float64Arena(instance, memory, shared ? { module, memory } : null);
    } catch {
      return null; // e.g. not enough memory
    }
  }

  /** A zeroed array of `length` values, 16-byte aligned. */
  alloc(length: number): Float64Array {
    const array = new Float64Array(this.memory.buffer, this.next, length);
    this.next += Math.ceil((length * 8) / 16) * 16;
    if (this.next > this.memory.buffer.byteLength)
      throw new RangeError('Float64Arena: out of reserved memory');
    return array;
  }

  /** Whether `a` lives in this arena. */
  owns(a: Float64Array): boolean {
    return a.buffer === this.memory.buffer;
  }

  /**
   * `C[offset + r·stride + c] = Σ_{from ≤ k < to} A[(i0+r)·n + k] · B[(j0+c)·n + k]` (r, c < 4),
   * like `block4x4` of dense-kernels; `A` and `B` must be arena arrays.
   */
  dot4x4(
    A: Float64Array,
    B: Float64Array,
    n: number,
    i0: number,
    j0: number,
    from: number,
    to: number,
    C: Float64Array,
    offset: number,
    stride: number,
  ): void {
    const pairs = (to - from) >> 1;
    const a = A.byteOffset + (i0 * n + from) * 8;
    const b = B.byteOffset + (j0 * n + from) * 8;
    const rowBytes = n * 8;
    this.dot(
      a,
      a + rowBytes,
      a + 2 * rowBytes,
      a + 3 * rowBytes,
      b,
      b + rowBytes,
      b + 2 * rowBytes,
      b + 3 * rowBytes,
      pairs,
      this.scratchPtr,
    );
    const s = this.scratch;
    const odd = (to - from) & 1;
    const last = to - 1;
    for (let r = 0; r < 4; r++) {
      for (let c = 0; c < 4; c++) {
        let v = s[r * 4 + c];
        if (odd) v += A[(i0 + r) * n + last] * B[(j0 + c) * n + last];
        C[offset + r * stride + c] = v;
      }
    }
  }

  /**
   * The fused pass of the tridiagonalisation over `k < j` (j even) for rows `j..j+R-1` (R = 2 or
   * 4) of `A` (row stride `n`): `a_r[k] -= u_r·q[k] + q_r·u[k]`, `pn[k] += Σ_r a_r[k]·v_r`.
   * `coefficients` holds u_r, q_r, v_r (R each); returns `Σ_k a_r[k]·v[k]` per row in `out[0..R)`.
   */
  rows(
    R: 2 | 4,
    A: Float64Array,
    n: number,
    j: number,
    q: Float64Array,
    u: Float64Array,
    v: Float64Array,
    pn: Float64Array,
    coefficients: Float64Array,
  ): Float64Array {
    this.coef.set(coefficients);
    const kernel = R === 4 ? this.rows4 : this.rows2;
    kernel(
      A.byteOffset + j * n * 8,
      n * 8,
      q.byteOffset,
      u.byteOffset,
      v.byteOffset,
      pn.byteOffset,
      j >> 1,
      this.coefPtr,
      this.scratchPtr,
    );
    return this.scratch;
  }
}
