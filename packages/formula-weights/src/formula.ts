/**
 * Weights defined by a formula that any language can compute exactly. The reference fixtures in
 * `../shared/reference/full` and `eval/` were made with it, so full-size models can be checked
 * without shipping their weights.
 */

/** The initialisation kinds of the formula, chosen from a parameter's name and shape. */
export type FormulaKind = 'var' | 'bias' | 'scale' | 'embed' | 'he' | 'weight';

const EMBED_SUFFIXES = [
  'embedding_table.weight',
  'pos_embed',
  'latent_tokens',
  'class_embedding',
  'positional_embedding',
  'mask_token',
  'quantize.embedding.weight',
];

/** FNV-1a (32-bit) of the UTF-8 bytes of `text`. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The kind the formula uses for a parameter: the first matching rule wins. */
export function formulaKind(name: string, shape: readonly number[]): FormulaKind {
  if (name.endsWith('running_var')) return 'var';
  if (name.endsWith('bias') || name.endsWith('running_mean')) return 'bias';
  if (shape.length === 1 && name.endsWith('weight')) return 'scale';
  if (EMBED_SUFFIXES.some((suffix) => name.endsWith(suffix))) return 'embed';
  if (shape.length === 4) return 'he';
  return 'weight';
}

/**
 * The tensor the formula assigns to parameter `name` of `shape` with seed `seed`, row-major.
 *
 * @example
 * ```ts
 * const w = formulaTensor('blocks.0.attn.qkv.weight', [1152, 384]);
 * ```
 */
export function formulaTensor(name: string, shape: readonly number[], seed = 0): Float32Array {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(`shape: expected non-negative integers, got [${shape.join(', ')}]`);
    }
  }
  const numel = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(numel);
  const fanIn = shape.length > 0 && shape[0] > 0 ? numel / shape[0] : 1;
  const f = valueFunction(formulaKind(name, shape), fanIn);
  // LCG x_{i+1} = (1664525 x_i + 1013904223) mod 2^32; Math.imul keeps the product exact mod 2^32.
  let x = fnv1a32(`${seed}:${name}`);
  for (let i = 0; i < numel; i++) {
    x = (Math.imul(1664525, x) + 1013904223) >>> 0;
    out[i] = f(x / 4294967296);
  }
  return out;
}

function valueFunction(kind: FormulaKind, fanIn: number): (u: number) => number {
  switch (kind) {
    case 'var':
      return (u) => 0.5 + u;
    case 'bias':
      return (u) => 0.02 * (2 * u - 1);
    case 'scale':
      return (u) => 1 + 0.2 * (2 * u - 1);
    case 'embed':
      return (u) => 0.8 * (2 * u - 1);
    case 'he': {
      const a = Math.sqrt(6 / fanIn);
      return (u) => (2 * u - 1) * a;
    }
    case 'weight': {
      const a = Math.sqrt(3 / fanIn);
      return (u) => (2 * u - 1) * a;
    }
  }
}

/** A named parameter shape, as listed in the reference fixtures' `shapes.json`. */
export interface ParameterShape {
  name: string;
  shape: number[];
}

/** Parses a `shapes.json` (either `{name: shape}` or `[[name, shape], ...]`) into ordered entries. */
export function parseShapes(json: unknown): ParameterShape[] {
  if (Array.isArray(json)) {
    return json.map((entry, i) => {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Array.isArray(entry[1])) {
        throw new TypeError(`shapes[${i}]: expected [name, shape], got ${JSON.stringify(entry)}`);
      }
      return { name: entry[0], shape: entry[1] as number[] };
    });
  }
  if (json !== null && typeof json === 'object') {
    return Object.entries(json as Record<string, unknown>).map(([name, shape]) => {
      if (!Array.isArray(shape))
        throw new TypeError(`shapes.${name}: expected an array, got ${JSON.stringify(shape)}`);
      return { name, shape: shape as number[] };
    });
  }
  throw new TypeError(`shapes: expected an object or array, got ${typeof json}`);
}

/** Builds a whole state dict by formula: name → Float32Array, in the given order. */
export function formulaStateDict(
  shapes: readonly ParameterShape[],
  seed = 0,
): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const { name, shape } of shapes)
    out.set(name, { shape: [...shape], data: formulaTensor(name, shape, seed) });
  return out;
}
