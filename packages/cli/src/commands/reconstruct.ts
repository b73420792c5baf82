/** `tokenset reconstruct`: the reference demo's comparison strip for each image. */

import { stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { batchImage, IMAGE_EXTENSIONS, listImageFiles, type RgbImage, writePng } from '@tokenset/image';
import { prepareImage } from '@tokenset/tokenizer';
import { intFlag } from '../args.js';
import type { CliIo, Command } from '../command.js';
import { CliError, errorLine, UsageError } from '../errors.js';
import { headsFlag, loadTokenizer, RUNTIME_OPTIONS, requireFile, runtimeChoice } from '../models.js';
import { checkNewFiles } from '../output-paths.js';
import { captionedStrip } from '../raster.js';
import { tokenOrders } from '../token-orders.js';

/** Expands folders into their image files (every readable format, sorted) and checks that plain files exist. */
export async function listImages(inputs: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(input);
    } catch {
      throw new CliError(`no such image or folder: ${input}`);
    }
    if (info.isDirectory()) {
      const names = await listImageFiles(input);
      if (names.length === 0) {
        throw new CliError(`expected images (${IMAGE_EXTENSIONS.join(', ')}) in folder ${input}, got none`);
      }
      files.push(...names);
    } else {
      files.push(input);
    }
  }
  return files;
}

/**
 * The strip file of each input: `<out>/<name>-reconstruction.png`, or `<name>-<ext>-reconstruction.png`
 * for inputs whose names differ only by extension (mine.jpg and mine.png), so no strip overwrites another.
 */
export function stripPaths(images: readonly string[], out: string): string[] {
  const stem = (path: string) => basename(path, extname(path));
  const count = new Map<string, number>();
  for (const path of images) count.set(stem(path), (count.get(stem(path)) ?? 0) + 1);
  return images.map((path) => {
    const name = stem(path);
    const ext = extname(path).slice(1).toLowerCase();
    return join(out, `${count.get(name)! > 1 && ext ? `${name}-${ext}` : name}-reconstruction.png`);
  });
}

/** The largest absolute difference between two equally sized byte arrays. */
export function maxAbsDifference(a: Uint8Array, b: Uint8Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > max) max = d;
  }
  return max;
}

/** The result of reconstructing one image. */
export interface Reconstruction {
  /** The comparison strip: input, then the decodes of each token order. */
  strip: RgbImage;
  /** The tokens as encoded. */
  tokens: Int32Array;
  /** Largest pixel difference between the decodes of the different orders (0 = order-invariant). */
  orderSpread: number;
}

/** Encodes one prepared image, decodes its token set in the demo's five orders, builds the strip. */
export async function reconstructImage(
  tokenizer: {
    encode(images: Uint8Array): Promise<Int32Array>;
    decode(tokens: Int32Array): Promise<Uint8Array>;
  },
  image: RgbImage,
  seed = 0,
): Promise<Reconstruction> {
  const tokens = await tokenizer.encode(image.data);
  const orders = tokenOrders(tokens, seed);
  const all = new Int32Array(tokens.length * orders.length);
  for (const [i, o] of orders.entries()) all.set(o.tokens, i * tokens.length);
  const decoded = await tokenizer.decode(all);
  const size = image.height;
  const first = batchImage(decoded, 0, size);
  let orderSpread = 0;
  const panels = [{ image, caption: 'input' }];
  orders.forEach((o, i) => {
    const img = batchImage(decoded, i, size);
    orderSpread = Math.max(orderSpread, maxAbsDifference(first.data, img.data));
    panels.push({ image: img, caption: o.caption });
  });
  return { strip: captionedStrip(panels), tokens, orderSpread };
}

/** The `reconstruct` command. */
export const reconstructCommand: Command = {
  name: 'reconstruct',
  summary: 'encode images to token sets and decode them in five orders (comparison strips)',
  usage: 'reconstruct <tokenizer.pth> <image|folder>... <out>',
  description: [
    'For each image: centre-crop it as the reference does, encode it to a token set, and decode the set',
    'as encoded, reversed, shuffled, ascending and descending. Writes one PNG strip per image with',
    'captions: the input, then the five decodes. A set has no order, so all five decodes agree.',
    '<out> is a folder, or a .png file when there is one input image. Inputs whose names differ only by',
    'extension get distinct strips (mine-jpg-, mine-png-reconstruction.png); existing files are never',
    'overwritten. Every path is checked before the tokenizer loads.',
  ].join('\n'),
  options: {
    seed: { type: 'string', valueName: 's', description: 'seed of the shuffled order (default 0)' },
    heads: { type: 'string', valueName: 'n', description: 'attention heads (default width/64, as released)' },
    ...RUNTIME_OPTIONS,
  },
  examples: ['tokenset reconstruct set_tokenizer_128_4096.pth demo.png demo-strip.png'],
  async run(positionals: string[], values, io: CliIo) {
    if (positionals.length < 3) {
      throw new UsageError('reconstruct: expected <tokenizer.pth> <image|folder>... <out>');
    }
    const [tokenizerPath, ...rest] = positionals;
    const out = rest.pop()!;
    const seed = intFlag(values, 'seed', 0, 0, 2 ** 32 - 1);
    const runtime = runtimeChoice(values, io.env);
    await requireFile(tokenizerPath, 'tokenizer');
    const images = await listImages(rest);
    const singleFile = images.length === 1 && out.toLowerCase().endsWith('.png');
    if (!singleFile && out.toLowerCase().endsWith('.png')) {
      throw new UsageError(`reconstruct: ${images.length} images need a folder as <out>, got ${out}`);
    }
    const targets = singleFile ? [out] : stripPaths(images, out);
    await checkNewFiles(targets, '<out>');
    const tokenizer = await loadTokenizer(tokenizerPath, runtime, 'tokenizer', headsFlag(values, 'heads'));
    try {
      for (const [k, path] of images.entries()) {
        let image: RgbImage;
        try {
          image = await prepareImage(path, tokenizer.imageSize);
        } catch (error) {
          throw new CliError(`cannot read image ${path}: ${errorLine(error)}`);
        }
        const result = await reconstructImage(tokenizer, image, seed);
        const target = targets[k];
        await writePng(target, result.strip);
        const unique = new Set(result.tokens).size;
        io.stdout.write(
          `${target}: ${result.tokens.length} tokens (${unique} distinct); decodes of the 5 orders differ by at most ${result.orderSpread}/255\n`,
        );
      }
    } finally {
      await tokenizer.release();
    }
  },
};
