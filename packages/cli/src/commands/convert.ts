/** `tokenset convert`: a PyTorch checkpoint to ONNX, detecting which model it holds. */

import { basename } from 'node:path';
import { convertDiT1DCheckpoint } from '@tokenset/dit1d';
import { exportInceptionV3 } from '@tokenset/eval';
import { writeFileAtomic } from '@tokenset/image';
import { readCheckpoint, readFloat32StateDict } from '@tokenset/tensor-io';
import { exportTokenizerDecoder, exportTokenizerEncoder, loadStateDict } from '@tokenset/tokenizer';
import { intFlag, stringFlag } from '../args.js';
import { CHECKPOINT_KINDS, type CheckpointKind, describeKind } from '../checkpoint-kind.js';
import type { CliIo, Command } from '../command.js';
import { CliError, errorLine, UsageError } from '../errors.js';
import { checkpointKind, requireFile } from '../models.js';
import { ProgressBar } from '../progress.js';

/** The two files a tokenizer converts to: `<out>.encoder.onnx` and `<out>.decoder.onnx`. */
export function tokenizerOutputs(out: string): { encoder: string; decoder: string } {
  const base = out.replace(/\.onnx$/i, '');
  return { encoder: `${base}.encoder.onnx`, decoder: `${base}.decoder.onnx` };
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** The `convert` command. */
export const convertCommand: Command = {
  name: 'convert',
  summary: 'convert a checkpoint (DiT1D, set tokenizer, InceptionV3) to ONNX',
  usage: 'convert <in.pth> <out.onnx> [--kind dit1d|tokenizer|inception] [options]',
  description: [
    'Reads a torch.save checkpoint (safely: no code runs), detects which model it holds from its tensor',
    'names, and writes an ONNX model that onnxruntime (and other runtimes) can load directly:',
    '  dit1d      fsdd_small/base_128_4096.pth (the "ema" weights) -> <out.onnx>',
    '  tokenizer  set_tokenizer_128_4096.pth -> <out>.encoder.onnx and <out>.decoder.onnx',
    "  inception  torch-fidelity's weights-inception-2015-12-05-6726825d.pth -> <out.onnx>",
    'Loading a converted DiT1D or InceptionV3 skips the conversion at every start.',
  ].join('\n'),
  options: {
    kind: { type: 'string', valueName: 'kind', description: 'skip detection: dit1d, tokenizer or inception' },
    heads: {
      type: 'string',
      valueName: 'n',
      description: 'attention heads (default: DiT1D hidden/64, tokenizer width/64)',
    },
    fp16: { type: 'boolean', description: 'DiT1D: float16 blocks (the reference autocast), for GPUs' },
  },
  examples: [
    'tokenset convert fsdd_base_128_4096.pth fsdd_base.onnx',
    'tokenset convert set_tokenizer_128_4096.pth tokenizer.onnx',
  ],
  async run(positionals, values, io: CliIo) {
    if (positionals.length !== 2) throw new UsageError('convert: expected <in.pth> <out.onnx>');
    const [input, out] = positionals;
    if (!out.toLowerCase().endsWith('.onnx'))
      throw new UsageError(`convert: expected an output ending in .onnx, got ${out}`);
    const kindText = stringFlag(values, 'kind');
    if (kindText !== undefined && !CHECKPOINT_KINDS.includes(kindText as CheckpointKind)) {
      throw new UsageError(
        `--kind: expected one of ${CHECKPOINT_KINDS.join(', ')}, got ${JSON.stringify(kindText)}`,
      );
    }
    const numHeads =
      stringFlag(values, 'heads') === undefined ? undefined : intFlag(values, 'heads', 0, 1, 1024);
    await requireFile(input, 'convert');
    const detected = await checkpointKind(input, 'convert');
    if (kindText === undefined && detected === undefined) {
      throw new CliError(
        `${input}: expected a DiT1D, set tokenizer or InceptionV3 checkpoint, got one of no known model`,
      );
    }
    const kind = (kindText as CheckpointKind | undefined) ?? detected!;
    if (detected !== undefined && detected !== kind) {
      throw new CliError(
        `--kind ${kind}: expected ${describeKind(kind)} checkpoint, got ${describeKind(detected)} checkpoint: ${input}`,
      );
    }
    const step = (text: string) => io.stderr.write(`convert ${basename(input)}: ${text}\n`);
    const started = performance.now();
    step(`${describeKind(kind)}; reading weights`);
    try {
      if (kind === 'dit1d') {
        // Streams tensor by tensor (the weights are held once), with a progress bar per phase.
        let bar: ProgressBar | undefined;
        const result = await convertDiT1DCheckpoint(input, out, {
          numHeads,
          dtype: values.fp16 === true ? 'fp16' : 'fp32',
          onProgress: (event) => {
            if (event.status === 'read') {
              bar ??= new ProgressBar(io.stderr, { total: event.total, label: 'reading', unit: 'tensors' });
              bar.tick(1);
              if (event.done === event.total) bar.finish();
            } else if (event.status === 'export') {
              step(`graph built: ${event.nodes} nodes, ${megabytes(event.bytes)} of weights; writing`);
            }
          },
        });
        const side = result.externalData ? ` + ${result.externalData}` : '';
        io.stdout.write(`${result.path} (${megabytes(result.bytes)})${side}\n`);
      } else if (kind === 'tokenizer') {
        const stateDict = await loadStateDict(input);
        const files = tokenizerOutputs(out);
        step('building the encoder graph');
        const encoder = exportTokenizerEncoder(stateDict, { numHeads });
        await writeFileAtomic(files.encoder, encoder);
        step('building the decoder graph');
        const decoder = exportTokenizerDecoder(stateDict, { numHeads });
        await writeFileAtomic(files.decoder, decoder);
        io.stdout.write(
          `${files.encoder} (${megabytes(encoder.length)})\n${files.decoder} (${megabytes(decoder.length)})\n`,
        );
      } else {
        const checkpoint = await readCheckpoint(input);
        let stateDict: Awaited<ReturnType<typeof readFloat32StateDict>>;
        try {
          stateDict = await readFloat32StateDict(checkpoint);
        } finally {
          await checkpoint.close();
        }
        let layers = 0;
        const { model } = exportInceptionV3(stateDict, {
          onLayer: () => {
            layers++;
            if (layers % 20 === 0) step(`building the graph: ${layers} convolutions`);
          },
        });
        await writeFileAtomic(out, model);
        io.stdout.write(`${out} (${megabytes(model.length)})\n`);
      }
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError(`cannot convert ${input} as ${describeKind(kind)}: ${errorLine(error)}`);
    }
    step(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  },
};
