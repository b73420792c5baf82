import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { readModelMetadata } from '@tokenset/onnx-graph';
import {
  type ExecutionProvider,
  type HostTensor,
  ModelSession,
  type SessionOptions,
} from '@tokenset/runtime';
import {
  describe,
  type Float32StateDict,
  isNdarrayLike,
  type NdarrayLike,
  readCheckpoint,
  readFloat32StateDict,
  rowMajorOf,
} from '@tokenset/tensor-io';
import { MetricError } from './errors.js';
import { checkImageBatch, type ImageBatchShape } from './image-batch.js';
import { exportInceptionV3, INCEPTION_INPUT, INCEPTION_LOGITS, INCEPTION_POOL } from './inception-graph.js';
import { INCEPTION_LOGITS_DIM, INCEPTION_POOL_DIM } from './inception-sizes.js';
import { INCEPTION_SIZE, normalizeInceptionInput, resizeBilinearTF1 } from './resize.js';

/** Options of {@link InceptionV3.load}. */
export interface InceptionLoadOptions extends SessionOptions {
  /** Images per onnxruntime run inside {@link InceptionV3.features}; default 16. */
  batchSize?: number;
}

/** InceptionV3 outputs for a batch, row-major. */
export interface InceptionFeatures {
  /** 2048-d pool features (torch-fidelity's `'2048'`, used by FID), `[n·2048]`. */
  pool: Float32Array;
  /** 1008 logits without the fc bias (`'logits_unbiased'`, used by IS), `[n·1008]`. */
  logits: Float32Array;
  /** Number of images. */
  n: number;
}

/**
 * torch-fidelity's InceptionV3 feature extractor (`inception-v3-compat`) on onnxruntime: uint8 RGB
 * images of any size → TF1-compatible bilinear resize to 299×299 (in TypeScript, bit-exact) →
 * `(x - 128) / 128` → the network → 2048-d pool features and 1008 unbiased logits.
 */
export class InceptionV3 {
  /** Floating-point operations of the network per image (analytic count; resize excluded). */
  readonly flopsPerImage: number;
  private readonly batchSize: number;

  private constructor(
    private readonly session: ModelSession,
    flopsPerImage: number,
    batchSize: number,
  ) {
    this.flopsPerImage = flopsPerImage;
    this.batchSize = batchSize;
  }

  /**
   * Loads the network from torch-fidelity's weights file (`weights-inception-2015-12-05-6726825d.pth`,
   * or pytorch-fid's `pt_inception-2015-12-05-*.pth`, same names), a `Float32StateDict`, or an
   * `.onnx` model written by {@link exportInceptionV3} (a path or its bytes).
   */
  static async load(
    source: string | Uint8Array | Float32StateDict,
    options: InceptionLoadOptions = {},
  ): Promise<InceptionV3> {
    const batchSize = options.batchSize ?? 16;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`batchSize: expected a positive integer, got ${batchSize}`);
    }
    let model: Uint8Array;
    let flops: number;
    if (source instanceof Map) {
      ({ model, flopsPerImage: flops } = exportInceptionV3(source));
    } else if (typeof source === 'string' || source instanceof Uint8Array) {
      const isOnnx =
        typeof source === 'string' ? extname(source).toLowerCase() === '.onnx' : !looksLikeZip(source);
      if (isOnnx) {
        model = typeof source === 'string' ? new Uint8Array(await readFile(source)) : source;
        flops = Number(readModelMetadata(model).get('tokenset.flops_per_image') ?? Number.NaN);
      } else {
        const checkpoint = await readCheckpoint(source);
        try {
          ({ model, flopsPerImage: flops } = exportInceptionV3(await readFloat32StateDict(checkpoint)));
        } finally {
          await checkpoint.close();
        }
      }
    } else {
      throw new TypeError(
        `source: expected a .pth/.onnx path, model bytes or a Float32StateDict, got ${describe(source)}`,
      );
    }
    const session = await ModelSession.create(model, { device: options.device, threads: options.threads });
    return new InceptionV3(session, flops, batchSize);
  }

  /**
   * Pool features and unbiased logits of uint8 RGB images, all of one size.
   * @param images - `n·height·width·3` bytes, `nhwc` (default) or `nchw`; or an `ndarray` of uint8
   *   with shape `[n, height, width, 3]` (or `[n, 3, height, width]` with `layout: 'nchw'`), any
   *   strides (a row-major one is read without a copy).
   * @param shape - the batch's sizes and layout; for an `ndarray`, only `layout` (sizes come from it).
   */
  async features(
    images: Uint8Array | NdarrayLike<Uint8Array>,
    shape?: ImageBatchShape | { layout?: ImageBatchShape['layout'] },
  ): Promise<InceptionFeatures> {
    if (!(images instanceof Uint8Array) && isNdarrayLike(images)) {
      ({ images, shape } = fromNdarray(images, shape?.layout));
    }
    if (shape === undefined || !('n' in shape)) {
      throw new TypeError(
        `shape: expected { n, height, width, layout? } for a Uint8Array, got ${describe(shape)}`,
      );
    }
    checkImageBatch(images, shape);
    const { n, height, width } = shape;
    const per = height * width * 3;
    const pool = new Float32Array(n * INCEPTION_POOL_DIM);
    const logits = new Float32Array(n * INCEPTION_LOGITS_DIM);
    for (let start = 0; start < n; start += this.batchSize) {
      const m = Math.min(this.batchSize, n - start);
      const chunk = images.subarray(start * per, (start + m) * per);
      const x = normalizeInceptionInput(resizeBilinearTF1(chunk, { ...shape, n: m }));
      const out = await this.run(x, m);
      pool.set(out.pool, start * INCEPTION_POOL_DIM);
      logits.set(out.logits, start * INCEPTION_LOGITS_DIM);
    }
    return { pool, logits, n };
  }

  /**
   * Runs the network on already resized and normalised input, float32 `[n, 3, 299, 299]` in [-1, 1].
   */
  async run(input: Float32Array, n: number): Promise<InceptionFeatures> {
    if (input.length !== n * 3 * INCEPTION_SIZE * INCEPTION_SIZE) {
      throw new MetricError(
        `input: expected ${n}×3×299×299 = ${n * 3 * 299 * 299} values, got ${input.length}`,
      );
    }
    const feed: HostTensor = { type: 'float32', dims: [n, 3, INCEPTION_SIZE, INCEPTION_SIZE], data: input };
    const out = await this.session.run({ [INCEPTION_INPUT]: feed });
    return {
      pool: out[INCEPTION_POOL].data as Float32Array,
      logits: out[INCEPTION_LOGITS].data as Float32Array,
      n,
    };
  }

  /** The onnxruntime execution provider the network runs on (`'cuda'` or `'cpu'`; with `device: 'auto'`, the one picked). */
  get executionProvider(): ExecutionProvider {
    return this.session.executionProvider;
  }

  /** Frees the onnxruntime session. */
  async release(): Promise<void> {
    await this.session.release();
  }
}

/** The bytes and batch shape of a uint8 image `ndarray`, `[n, h, w, 3]` (nhwc) or `[n, 3, h, w]` (nchw). */
function fromNdarray(
  view: NdarrayLike<unknown>,
  layout: ImageBatchShape['layout'],
): { images: Uint8Array; shape: ImageBatchShape } {
  if (!(view.data instanceof Uint8Array)) {
    throw new TypeError(`images: expected an ndarray of uint8 RGB values, got one of ${describe(view.data)}`);
  }
  const { data, shape: dims } = rowMajorOf(view as NdarrayLike<Uint8Array>, 'images');
  const nchw = layout === 'nchw';
  const [n, a, b, c] = dims;
  const channels = nchw ? a : c;
  if (dims.length !== 4 || channels !== 3) {
    throw new MetricError(
      `images: expected an ndarray of shape ${nchw ? '[n, 3, height, width]' : '[n, height, width, 3]'}, got [${dims.join(', ')}]`,
    );
  }
  const shape: ImageBatchShape = nchw
    ? { n, height: b, width: c, layout: 'nchw' }
    : { n, height: a, width: b, layout: 'nhwc' };
  return { images: data, shape };
}

/** `.pth` files are zip archives (`PK\x03\x04`); ONNX models are protobuf. */
function looksLikeZip(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04
  );
}
