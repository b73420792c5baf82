/** `tokenset demo`: the whole pipeline end to end, on trained demo models (default) or formula weights. */

import type { CliIo, Command } from '../command.js';
import { UsageError } from '../errors.js';
import { SAMPLER_OPTIONS_BUT_STEPS, samplerFlags } from '../sampling-flags.js';
import { runFormulaDemo } from './demo-formula.js';
import { runTrainedDemo } from './demo-trained.js';

export { DEMO_IMAGE, RELEASED_CHECKPOINTS, timingTable } from './demo-text.js';

/** The `demo` command. */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'run the whole pipeline on small models trained here on MNIST digits (no downloads)',
  usage: 'demo [--out ./tokenset-demo] [--formula] [options]',
  description: [
    'Runs the real pipeline on the trained demo models of @tokenset/demo-models (a set tokenizer and a DiT1D',
    'trained in Node on MNIST digits): reconstructs held-out digits (each token set decoded in five orders),',
    'generates digits of every class with the full FSDD sampler (with its trajectory animation), and prints',
    'quality figures measured on held-out digits. The demo generator samples with its own defaults (the',
    "reference's high-quality preset, measured best for it; --preset reference for the reference's",
    'defaults). With --formula it runs the paper-size architecture pieces on untrained formula weights',
    'instead (noise pictures; InceptionV3 included). It ends by saying where the released checkpoints are.',
  ].join('\n'),
  options: {
    out: {
      type: 'string',
      short: 'o',
      valueName: 'dir',
      description: 'output folder (default ./tokenset-demo)',
    },
    formula: {
      type: 'boolean',
      description: 'the untrained formula-weight models instead (real-size paths, noise pictures)',
    },
    'per-class': { type: 'string', valueName: 'n', description: 'digits generated per class (default 8)' },
    images: { type: 'string', valueName: 'n', description: 'with --formula: images to generate (default 8)' },
    steps: { type: 'string', valueName: 'n', description: 'sampling steps (default 25, as the paper)' },
    'no-fid': { type: 'boolean', description: 'with --formula: skip the InceptionV3 stage' },
    ...SAMPLER_OPTIONS_BUT_STEPS,
  },
  async run(positionals, values, io: CliIo) {
    if (positionals.length > 0)
      throw new UsageError(`demo: unexpected argument ${JSON.stringify(positionals[0])}`);
    samplerFlags(values); // a bad sampler flag fails before any model loads
    if (values.formula === true) await runFormulaDemo(values, io);
    else await runTrainedDemo(values, io);
  },
};
