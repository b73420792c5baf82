/**
 * The set tokenizer on onnxruntime: images ↔ token sets, with the reference's conversions around
 * the two graphs (`demo_tokenizer.py`: ToTensor + Normalize(0.5, 0.5) in, `clamp(127.5·x + 128)`
 * truncated to uint8 out).
 */

import type { RgbImage } from '@tokenset/image';
import { type ExecutionProvider, ModelSession, type SessionOptions } from '@tokenset/runtime';
import { countsFromTokens, tokensFromCounts } from '@tokenset/set-codec';
import {
  describe,
  type Float32StateDict,
  isNdarrayLike,
  type NdarrayLike,
  rowMajorOf,
} from '@tokenset/tensor-io';
import { type TokenizerConfig, tokenizerConfig } from './config.js';
import { TokenizerError } from './errors.js';
import { buildTokenizerDecoder } from './export-decoder.js';
import { buildTokenizerEncoder } from './export-encoder.js';
import type { ExportOptions } from './export-options.js';
import { loadStateDict, sidecarNumHeads } from './load-state-dict.js';

/** Which halves of the tokenizer to load. */
export type TokenizerParts = 'both' | 'encoder' | 'decoder';

/** Every {@link TokenizerParts} value, in the order errors list them. */
export const TOKENIZER_PARTS: readonly TokenizerParts[] = ['both', 'encoder', 'decoder'];

/** Options of {@link SetTokenizer.load}. */
export interface SetTokenizerOptions extends ExportOptions, SessionOptions {
  /** Load only the encoder or only the decoder (less memory). Default `'both'`. */
  parts?: TokenizerParts;
  /** Images per onnxruntime run; larger batches are split. Default 8. */
  maxBatch?: number;
  /**
   * The order in which a token set reaches the decoder. `'sorted'` (default): ascending ids, so a set
   * decodes to bit-identical pixels in whatever order its tokens are given (the decoder is
   * order-invariant in exact arithmetic; in float32 the attention sums depend on the order, which
   * flips an occasional byte). `'as-given'`: the caller's order, as the reference's decoder (which
   * shuffles the tokens at random first) sees some order.
   */
  decodeOrder?: DecodeOrder;
}

/** How {@link SetTokenizer.decode} orders each token set; see {@link SetTokenizerOptions.decodeOrder}. */
export type DecodeOrder = 'sorted' | 'as-given';

/** Every {@link DecodeOrder}, in the order errors list them. */
export const DECODE_ORDERS: readonly DecodeOrder[] = ['sorted', 'as-given'];

/**
 * Images for {@link SetTokenizer.encode}: one flat `[B, S, S, 3]` uint8 buffer, one image, a list,
 * or an `ndarray` of uint8 with shape `[B, S, S, 3]` or `[S, S, 3]` (any strides: a transposed
 * NCHW array works; a row-major one is read without a copy).
 */
export type ImagesInput = Uint8Array | RgbImage | readonly RgbImage[] | NdarrayLike<Uint8Array>;

/** `ToTensor` then `Normalize(0.5, 0.5)` of each byte value, in float32 as torchvision computes it. */
const NORMALISED = Float32Array.from(
  { length: 256 },
  (_, v) => Math.fround(Math.fround(v / 255) - 0.5) / 0.5,
);

/**
 * The TokenSet set tokenizer: `encode` turns 256×256 RGB images into sets of 128 token ids
 * (codebook 4096), `decode` turns token sets (in any order) back into images.
 *
 * @example
 * ```ts
 * const tokenizer = await SetTokenizer.load('set_tokenizer_128_4096.pth');
 * const image = await prepareImage('photo.jpg');
 * const tokens = await tokenizer.encode(image);      // Int32Array [128]
 * const pixels = await tokenizer.decode(tokens);     // Uint8Array [1, 256, 256, 3]
 * await tokenizer.release();
 * ```
 */
export class SetTokenizer {
  private constructor(
    /** The model's sizes, read from its weights. */
    readonly config: TokenizerConfig,
    private readonly encoder: ModelSession | undefined,
    private readonly decoder: ModelSession | undefined,
    private readonly maxBatch: number,
    /** How each token set is ordered before decoding. */
    readonly decodeOrder: DecodeOrder = 'sorted',
  ) {}

  /**
   * Loads a tokenizer from a `.pth` state dict (a path or its bytes, read with @tokenset/tensor-io)
   * or from a {@link Float32StateDict}, builds its encoder and decoder graphs and starts them on
   * onnxruntime. Sizes come from the weights; only the head count is an option (default: the
   * `numHeads` of a `.json` file of the same name beside a `.pth` path, else width/64).
   *
   * @throws {@link TokenizerError} when the weights are not a set tokenizer.
   */
  static async load(
    source: string | Uint8Array | Float32StateDict,
    options: SetTokenizerOptions = {},
  ): Promise<SetTokenizer> {
    const parts = options.parts ?? 'both';
    if (!TOKENIZER_PARTS.includes(parts)) {
      throw new RangeError(
        `parts: expected one of ${TOKENIZER_PARTS.map((p) => `'${p}'`).join(', ')}, got '${String(parts)}'`,
      );
    }
    const decodeOrder = options.decodeOrder ?? 'sorted';
    if (!DECODE_ORDERS.includes(decodeOrder)) {
      throw new RangeError(
        `decodeOrder: expected one of ${DECODE_ORDERS.map((o) => `'${o}'`).join(', ')}, got '${String(decodeOrder)}'`,
      );
    }
    const maxBatch = options.maxBatch ?? 8;
    if (!Number.isInteger(maxBatch) || maxBatch < 1)
      throw new RangeError(`maxBatch: expected a positive integer, got ${maxBatch}`);
    const stateDict = source instanceof Map ? source : await loadStateDict(source);
    const numHeads =
      options.numHeads ?? (typeof source === 'string' ? await sidecarNumHeads(source) : undefined);
    const config = tokenizerConfig(stateDict, numHeads);
    const session = { device: options.device, threads: options.threads };
    const exportOptions = { numHeads, attention: options.attention };
    let encoder: ModelSession | undefined;
    let decoder: ModelSession | undefined;
    try {
      if (parts !== 'decoder') {
        encoder = await ModelSession.create(
          buildTokenizerEncoder(stateDict, exportOptions).toBytes(),
          session,
        );
      }
      if (parts !== 'encoder') {
        decoder = await ModelSession.create(
          buildTokenizerDecoder(stateDict, exportOptions).toBytes(),
          session,
        );
      }
    } catch (error) {
      await encoder?.release();
      throw error;
    }
    return new SetTokenizer(config, encoder, decoder, maxBatch, decodeOrder);
  }

  /** Side of the square images, in pixels (256). */
  get imageSize(): number {
    return this.config.imageSize;
  }

  /** Tokens per image, the set size M (128). */
  get setSize(): number {
    return this.config.numLatentTokens;
  }

  /** Tokens per image (alias of {@link setSize}). */
  get numTokens(): number {
    return this.config.numLatentTokens;
  }

  /** Codebook entries C (4096). */
  get codebookSize(): number {
    return this.config.codebookSize;
  }

  /**
   * Encodes images into token sets: the nearest (cosine) codebook entry of each latent token.
   *
   * @param images - uint8 RGB at the model's size: a flat `[B, S, S, 3]` buffer, an image, a list, or an `ndarray`.
   * @returns token ids, Int32Array `[B · M]` row-major, in the encoder's token order.
   */
  async encode(images: ImagesInput): Promise<Int32Array> {
    return (await this.encodeFloat(this.normalise(images))).tokens;
  }

  /**
   * Encodes images given as the reference's float tensor: `[B, 3, S, S]` NCHW in [-1, 1].
   *
   * @returns `tokens` Int32Array `[B · M]` and `latent` Float32Array `[B, tokenSize, 1, M]`
   * (the encoder output before quantisation).
   */
  async encodeFloat(images: Float32Array): Promise<{ tokens: Int32Array; latent: Float32Array }> {
    const encoder = this.need(this.encoder, 'encoder');
    if (!(images instanceof Float32Array))
      throw new TypeError(`images: expected a Float32Array, got ${describe(images)}`);
    const s = this.imageSize;
    const perImage = 3 * s * s;
    const batch = this.batchOf('images', images.length, perImage, `[B, 3, ${s}, ${s}] float32 values`);
    const m = this.setSize;
    const t = this.config.tokenSize;
    const tokens = new Int32Array(batch * m);
    const latent = new Float32Array(batch * t * m);
    for (let start = 0; start < batch; start += this.maxBatch) {
      const b = Math.min(this.maxBatch, batch - start);
      const out = await encoder.run({
        image: {
          type: 'float32',
          dims: [b, 3, s, s],
          data: images.subarray(start * perImage, (start + b) * perImage),
        },
      });
      const codes = out.codes.data as BigInt64Array;
      for (let i = 0; i < codes.length; i++) tokens[start * m + i] = Number(codes[i]);
      latent.set(out.latent.data as Float32Array, start * t * m);
    }
    return { tokens, latent };
  }

  /**
   * Decodes token sets into images, as the reference: `clamp(127.5·x + 128, 0, 255)` truncated to uint8.
   *
   * @param tokens - `[B · M]` token ids in [0, C), row-major (any order within a row).
   * @returns uint8 RGB images, `[B, S, S, 3]` row-major.
   */
  async decode(tokens: Int32Array | readonly number[]): Promise<Uint8Array> {
    return toBytes(await this.decodeFloat(tokens), this.imageSize);
  }

  /** {@link decode}, as one {@link RgbImage} per token set. */
  async decodeImages(tokens: Int32Array | readonly number[]): Promise<RgbImage[]> {
    const bytes = await this.decode(tokens);
    const s = this.imageSize;
    const size = s * s * 3;
    return Array.from({ length: bytes.length / size }, (_, i) => ({
      width: s,
      height: s,
      data: bytes.subarray(i * size, (i + 1) * size),
    }));
  }

  /**
   * Decodes token sets into the raw decoder output: Float32Array `[B, 3, S, S]` NCHW (about [-1, 1]),
   * the reference's `decode_code` result.
   */
  async decodeFloat(tokens: Int32Array | readonly number[]): Promise<Float32Array> {
    const decoder = this.need(this.decoder, 'decoder');
    const m = this.setSize;
    let ids = this.checkTokens(tokens);
    if (this.decodeOrder === 'sorted') {
      ids = Int32Array.from(ids);
      for (let row = 0; row < ids.length; row += m) ids.subarray(row, row + m).sort();
    }
    const batch = ids.length / m;
    const s = this.imageSize;
    const perImage = 3 * s * s;
    const out = new Float32Array(batch * perImage);
    for (let start = 0; start < batch; start += this.maxBatch) {
      const b = Math.min(this.maxBatch, batch - start);
      const result = await decoder.run({
        tokens: { type: 'int32', dims: [b, m], data: ids.subarray(start * m, (start + b) * m) },
      });
      out.set(result.decoded.data as Float32Array, start * perImage);
    }
    return out;
  }

  /** Encodes images into count vectors (the dual transformation): Int32Array `[B · C]`, rows summing to M. */
  async encodeCounts(images: ImagesInput): Promise<Int32Array> {
    const tokens = await this.encode(images);
    return countsFromTokens(tokens, this.codebookSize, tokens.length / this.setSize);
  }

  /** Decodes count vectors `[B · C]` (rows summing to M) into uint8 images `[B, S, S, 3]`. */
  async decodeCounts(counts: Int32Array): Promise<Uint8Array> {
    if (!(counts instanceof Int32Array))
      throw new TypeError(`counts: expected an Int32Array, got ${describe(counts)}`);
    const c = this.codebookSize;
    const batch = this.batchOf('counts', counts.length, c, `[B, ${c}] counts`);
    for (let b = 0; b < batch; b++) {
      let sum = 0;
      for (let j = 0; j < c; j++) {
        const v = counts[b * c + j];
        if (v < 0) throw new RangeError(`counts[${b}, ${j}]: expected a non-negative count, got ${v}`);
        sum += v;
      }
      if (sum !== this.setSize)
        throw new RangeError(`counts[${b}]: expected a row summing to ${this.setSize}, got ${sum}`);
    }
    return this.decode(tokensFromCounts(counts, this.setSize, batch));
  }

  /** The onnxruntime execution provider the tokenizer runs on (`'cuda'` or `'cpu'`; with `device: 'auto'`, the one picked). */
  get executionProvider(): ExecutionProvider {
    return (this.encoder ?? this.decoder)!.executionProvider;
  }

  /** Frees the onnxruntime sessions. */
  async release(): Promise<void> {
    await this.encoder?.release();
    await this.decoder?.release();
  }

  private need(session: ModelSession | undefined, part: 'encoder' | 'decoder'): ModelSession {
    if (session === undefined) {
      throw new TokenizerError(
        `${part}: expected a tokenizer loaded with parts 'both' or '${part}', got one without it`,
      );
    }
    return session;
  }

  private batchOf(name: string, length: number, perItem: number, what: string): number {
    if (length === 0 || length % perItem !== 0) {
      throw new RangeError(
        `${name}: expected a positive multiple of ${perItem} values (${what}), got ${length}`,
      );
    }
    return length / perItem;
  }

  private checkTokens(tokens: Int32Array | readonly number[]): Int32Array {
    if (!(tokens instanceof Int32Array) && !Array.isArray(tokens)) {
      throw new TypeError(`tokens: expected an Int32Array or an array of numbers, got ${describe(tokens)}`);
    }
    const m = this.setSize;
    const c = this.codebookSize;
    this.batchOf('tokens', tokens.length, m, `[B, ${m}] token ids`);
    for (let i = 0; i < tokens.length; i++) {
      const v = tokens[i];
      if (!Number.isInteger(v) || v < 0 || v >= c) {
        throw new RangeError(
          `tokens[${Math.floor(i / m)}, ${i % m}]: expected a token id in [0, ${c}), got ${v}`,
        );
      }
    }
    return tokens instanceof Int32Array ? tokens : Int32Array.from(tokens);
  }

  /** uint8 HWC images → the reference's normalised float32 NCHW tensor. */
  private normalise(images: ImagesInput): Float32Array {
    const s = this.imageSize;
    const perImage = s * s * 3;
    let bytes: Uint8Array;
    if (images instanceof Uint8Array) {
      this.batchOf('images', images.length, perImage, `[B, ${s}, ${s}, 3] uint8 RGB`);
      bytes = images;
    } else if (isNdarrayLike(images)) {
      if (!(images.data instanceof Uint8Array)) {
        throw new TypeError(
          `images: expected an ndarray of uint8 RGB values, got one of ${describe(images.data)}`,
        );
      }
      const view = rowMajorOf(images, 'images');
      const dims = view.shape.length === 3 ? [1, ...view.shape] : view.shape;
      if (dims.length !== 4 || dims[1] !== s || dims[2] !== s || dims[3] !== 3 || dims[0] < 1) {
        throw new RangeError(
          `images: expected an ndarray of shape [B, ${s}, ${s}, 3] or [${s}, ${s}, 3], got [${view.shape.join(', ')}]`,
        );
      }
      bytes = view.data;
    } else {
      const list = Array.isArray(images) ? (images as readonly RgbImage[]) : [images as RgbImage];
      if (list.length === 0) throw new RangeError('images: expected at least one image, got none');
      bytes = new Uint8Array(list.length * perImage);
      list.forEach((image, i) => {
        if (image === null || typeof image !== 'object' || !(image.data instanceof Uint8Array)) {
          throw new TypeError(
            `images[${i}]: expected an RgbImage {width, height, data: Uint8Array}, got ${describe(image)}`,
          );
        }
        if (image.width !== s || image.height !== s || image.data.length !== perImage) {
          throw new RangeError(
            `images[${i}]: expected ${s}x${s} RGB (${perImage} bytes; see prepareImage), got ${image.width}x${image.height} with ${image.data.length} bytes`,
          );
        }
        bytes.set(image.data, i * perImage);
      });
    }
    const batch = bytes.length / perImage;
    const out = new Float32Array(bytes.length);
    const plane = s * s;
    for (let b = 0; b < batch; b++) {
      const src = b * perImage;
      for (let p = 0; p < plane; p++) {
        out[src + p] = NORMALISED[bytes[src + 3 * p]];
        out[src + plane + p] = NORMALISED[bytes[src + 3 * p + 1]];
        out[src + 2 * plane + p] = NORMALISED[bytes[src + 3 * p + 2]];
      }
    }
    return out;
  }
}

/**
 * The reference's image output: `clamp(127.5·x + 128, 0, 255)` in float32, truncated to uint8,
 * NCHW float → NHWC bytes.
 *
 * @param decoded - `[B, 3, S, S]` float32 decoder output.
 * @param size - S.
 * @returns `[B, S, S, 3]` uint8.
 */
export function toBytes(decoded: Float32Array, size: number): Uint8Array {
  const plane = size * size;
  const out = new Uint8Array(decoded.length);
  const batch = decoded.length / (3 * plane);
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < 3; c++) {
      const src = (b * 3 + c) * plane;
      for (let p = 0; p < plane; p++) {
        const v = Math.fround(Math.fround(127.5 * decoded[src + p]) + 128);
        out[(b * plane + p) * 3 + c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.trunc(v);
      }
    }
  }
  return out;
}
