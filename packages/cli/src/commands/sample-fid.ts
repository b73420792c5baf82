/** `tokenset sample-fid`: the 50,000-image FID protocol, sharded and resumable. */

import {
  FID_PROTOCOL,
  type FidPlan,
  parseShard,
  type RunModels,
  sampleFid,
  validatePlan,
} from '@tokenset/eval';
import { describeSamplerSettings } from '@tokenset/fsdd';
import { intFlag, requiredFlag, stringFlag } from '../args.js';
import type { CliIo, Command } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { generate, OffSumRows } from '../generation.js';
import {
  CHECKPOINT_OPTIONS,
  generatorSizes,
  HEADS_OPTIONS,
  headsFlag,
  loadGenerator,
  loadInception,
  loadTokenizer,
  RUNTIME_OPTIONS,
  requireFile,
  runtimeChoice,
} from '../models.js';
import { checkOutputFolder } from '../output-paths.js';
import { ProgressBar } from '../progress.js';
import { SAMPLER_OPTIONS, samplerFlags } from '../sampling-flags.js';
import { finishRun } from './fid.js';
import { seedFlag } from './generate.js';

/** Maps a RangeError of eval's plan checks (`perClass: …`, `shard: …`) to the flag's UsageError. */
function planFlag<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    const flags: Record<string, string> = {
      classes: '--classes',
      perClass: '--per-class',
      seed: '--seed',
      batchSize: '--batch-size',
      shard: '--shard',
    };
    const [field, ...rest] = error.message.split(': ');
    throw new UsageError(`${flags[field] ?? field}: ${rest.join(': ')}`);
  }
}

/** The `sample-fid` command. */
export const sampleFidCommand: Command = {
  name: 'sample-fid',
  summary: 'the FID protocol: 50 images per class, sharded (--shard i/n) and resumable',
  usage:
    'sample-fid --model <fsdd.pth> --tokenizer <tokenizer.pth> --inception <inception.pth> --out <dir> [options]',
  description: [
    'Generates classes × per-class images (default 1000 × 50 = 50,000); image i has class',
    'floor(i / per-class) and seed <seed>+i. --shard i/n runs only the i-th of n contiguous parts (0-based:',
    'a Slurm array index or a Kubernetes job completion index), so shards can run anywhere at once into',
    'the same folder. Existing valid images are kept, every file is written atomically, and an interrupted',
    'shard resumes where it stopped. Each batch also stores its InceptionV3 features; when the last batch',
    'of the plan is done, statistics.npz and results.json (FID against --ref, Inception Score) are written.',
    'All shards must use the same flags (checked against <out>/run.json).',
  ].join('\n'),
  options: {
    ...CHECKPOINT_OPTIONS,
    inception: {
      type: 'string',
      valueName: 'inception.pth',
      description:
        "torch-fidelity's InceptionV3 weights (weights-inception-2015-12-05-6726825d.pth or a converted .onnx)",
    },
    out: { type: 'string', short: 'o', valueName: 'dir', description: 'run folder (shared by all shards)' },
    shard: { type: 'string', valueName: 'i/n', description: 'run only shard i of n (0-based; default 0/1)' },
    classes: {
      type: 'string',
      valueName: 'n',
      description: 'number of classes, labels 0..n-1 (default 1000)',
    },
    'per-class': { type: 'string', valueName: 'n', description: 'images per class (default 50)' },
    seed: { type: 'string', valueName: 's', description: 'base seed: image i uses seed s+i (default 0)' },
    'batch-size': {
      type: 'string',
      valueName: 'n',
      description: 'images per batch, part of the plan: keep it the same for all shards (default 25)',
    },
    ref: {
      type: 'string',
      valueName: 'stats.npz',
      description: 'reference statistics for the FID (adm_in256_stats.npz)',
    },
    ...SAMPLER_OPTIONS,
    ...HEADS_OPTIONS,
    ...RUNTIME_OPTIONS,
  },
  examples: [
    'tokenset sample-fid --model fsdd_base_128_4096.pth --tokenizer set_tokenizer_128_4096.pth \\',
    '  --inception weights-inception-2015-12-05-6726825d.pth --ref adm_in256_stats.npz --out fid-base --shard $SLURM_ARRAY_TASK_ID/8',
  ],
  async run(positionals, values, io: CliIo) {
    if (positionals.length > 0)
      throw new UsageError(`sample-fid: unexpected argument ${JSON.stringify(positionals[0])}`);
    const modelPath = requiredFlag(values, 'model', 'a DiT1D checkpoint');
    const tokenizerPath = requiredFlag(values, 'tokenizer', 'a set tokenizer checkpoint');
    const inceptionPath = requiredFlag(values, 'inception', 'InceptionV3 weights');
    const out = requiredFlag(values, 'out', 'a run folder');
    const shard = planFlag(() => parseShard(stringFlag(values, 'shard') ?? '0/1'));
    const plan: FidPlan = planFlag(() =>
      validatePlan({
        classes: intFlag(values, 'classes', FID_PROTOCOL.classes, 1, 1_000_000),
        perClass: intFlag(values, 'per-class', FID_PROTOCOL.perClass, 1, 1_000_000),
        seed: seedFlag(values, FID_PROTOCOL.seed),
        batchSize: intFlag(values, 'batch-size', FID_PROTOCOL.batchSize, 1, 4096),
      }),
    );
    const ref = stringFlag(values, 'ref');
    let sampler = samplerFlags(values);
    const runtime = runtimeChoice(values, io.env);
    await requireFile(modelPath, '--model');
    await requireFile(tokenizerPath, '--tokenizer');
    await requireFile(inceptionPath, '--inception');
    if (ref) await requireFile(ref, '--ref');
    await checkOutputFolder(out, '--out');
    const sizes = await generatorSizes(modelPath);
    if (sizes) {
      sampler = samplerFlags(values, { setSize: sizes.setSize });
      if (plan.classes > sizes.numClasses) {
        throw new UsageError(
          `--classes: expected at most ${sizes.numClasses} (this model's classes), got ${plan.classes}`,
        );
      }
    }
    const generator = await loadGenerator(modelPath, runtime, '--model', headsFlag(values, 'model-heads'));
    const tokenizer = await loadTokenizer(
      tokenizerPath,
      runtime,
      '--tokenizer',
      headsFlag(values, 'tokenizer-heads'),
    ).catch(async (e) => {
      await generator.release();
      throw e;
    });
    const inception = await loadInception(inceptionPath, runtime).catch(async (e) => {
      await generator.release();
      await tokenizer.release();
      throw e;
    });
    try {
      if (plan.classes > generator.numClasses) {
        throw new UsageError(
          `--classes: expected at most ${generator.numClasses} (this model's classes), got ${plan.classes}`,
        );
      }
      sampler = samplerFlags(values, { setSize: generator.setSize });
      if (tokenizer.codebookSize !== generator.codebookSize || tokenizer.setSize !== generator.setSize) {
        throw new CliError(
          `--tokenizer: expected a tokenizer with ${generator.setSize} tokens over a codebook of ${generator.codebookSize} (the generator's), got ${tokenizer.setSize} over ${tokenizer.codebookSize}`,
        );
      }
      const offSum = new OffSumRows(generator.setSize);
      const models: RunModels = {
        generate: async (labels, seeds) => {
          const generated = await generate(generator, tokenizer, sampler, labels, seeds);
          offSum.add(generated.rowSums);
          return generated.images;
        },
        features: (images, n, size) => inception.features(images, { n, height: size, width: size }),
      };
      let bar: ProgressBar | undefined;
      const report = await sampleFid(out, {
        plan,
        sampler,
        imageSize: tokenizer.imageSize,
        shard,
        models,
        onProgress: (event) => {
          if (event.status === 'shard') {
            const images = event.end - event.first;
            io.stderr.write(
              `shard ${shard.index}/${shard.count}: images ${event.first}-${event.end - 1} (${images}); ${event.skipped} already done; ${describeSamplerSettings(sampler)}\n`,
            );
            bar = new ProgressBar(io.stderr, {
              total: images,
              label: 'sample-fid',
              unit: 'images',
              initial: event.skipped,
            });
          } else {
            if (bar) bar.tick(event.done - bar.completed);
          }
        },
      });
      bar?.finish();
      const note = offSum.note(sampler);
      if (note) io.stderr.write(`${note}\n`);
      io.stdout.write(
        `shard ${shard.index}/${shard.count}: ${report.generated} images generated, ${report.skipped} were already done\n`,
      );
      if (report.missingBatches > 0) {
        io.stdout.write(
          `${report.missingBatches} batches of the plan are still to do (other shards); when they are done run: tokenset fid ${out}${ref ? ` --ref ${ref}` : ''}\n`,
        );
        return;
      }
      await finishRun(out, ref, io);
    } finally {
      await inception.release();
      await tokenizer.release();
      await generator.release();
    }
  },
};
