/**
 * The `tokenset` command line: dispatch to subcommands, help, and the one place that turns errors
 * into a single `tokenset: <message>` line and an exit code.
 */

import { parseArgs } from 'node:util';
import type { CliIo, Command, OptionSpecs, OptionValues } from './command.js';
import { convertCommand } from './commands/convert.js';
import { demoCommand } from './commands/demo.js';
import { fidCommand } from './commands/fid.js';
import { generateCommand } from './commands/generate.js';
import { reconstructCommand } from './commands/reconstruct.js';
import { sampleFidCommand } from './commands/sample-fid.js';
import { trainClassifierCommand, trainCommand, trainTokenizerCommand } from './commands/train.js';
import { CliError, errorLine, UsageError } from './errors.js';

/** Every subcommand, in the order `tokenset --help` lists them. */
export const COMMANDS: readonly Command[] = [
  demoCommand,
  convertCommand,
  reconstructCommand,
  generateCommand,
  sampleFidCommand,
  fidCommand,
  trainTokenizerCommand,
  trainCommand,
  trainClassifierCommand,
];

const VERSION = '0.0.0';

/** The top-level help text. */
export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'tokenset: TokenSet (Tokenize Image as a Set) on Node.js',
    '',
    'usage: tokenset <command> [options]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'tokenset <command> --help' for a command's options.",
    'Start with: tokenset demo',
    '',
  ].join('\n');
}

/** The help text of one command. */
export function commandHelp(command: Command): string {
  const lines = [`usage: tokenset ${command.usage}`, '', command.description, '', 'options:'];
  const rows = Object.entries(command.options).map(([name, spec]) => {
    const short = spec.short ? `-${spec.short}, ` : '';
    const value = spec.type === 'string' ? ` <${spec.valueName ?? 'value'}>` : '';
    return [`  ${short}--${name}${value}`, spec.description];
  });
  rows.push(['  -h, --help', 'show this help']);
  const width = Math.max(...rows.map((r) => r[0].length));
  for (const [left, right] of rows) lines.push(`${left.padEnd(width)}  ${right}`);
  if (command.examples?.length) {
    lines.push('', 'examples:', ...command.examples.map((e) => `  ${e}`));
  }
  lines.push('');
  return lines.join('\n');
}

/**
 * Joins a value-taking flag with a following negative number (`--steps -5` → `--steps=-5`): node's
 * parseArgs would otherwise call the value "ambiguous"; the value is then checked like any other
 * and gets a message that says the valid range.
 */
export function joinNegativeValues(command: Command, argv: readonly string[]): string[] {
  const takesValue = new Set<string>();
  for (const [name, spec] of Object.entries(command.options as OptionSpecs)) {
    if (spec.type !== 'string') continue;
    takesValue.add(`--${name}`);
    if (spec.short) takesValue.add(`-${spec.short}`);
  }
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (takesValue.has(argv[i]) && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(argv[i].startsWith('--') ? `${argv[i]}=${next}` : `${argv[i]}${next}`);
      i++;
    } else {
      out.push(argv[i]);
    }
  }
  return out;
}

function parseCommandArgs(command: Command, argv: string[]): { positionals: string[]; values: OptionValues } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, spec] of Object.entries(command.options as OptionSpecs)) {
    options[name] = { type: spec.type };
    if (spec.short !== undefined) options[name].short = spec.short;
    if (spec.multiple !== undefined) options[name].multiple = spec.multiple;
  }
  try {
    const args = joinNegativeValues(command, argv);
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { positionals, values: values as OptionValues };
  } catch (error) {
    // node:util reports "Unknown option '--x'. To specify a positional argument starting with a '-', ..."
    const message = errorLine(error).replace(/\. To specify a positional.*$/, '');
    throw new UsageError(`${command.name}: ${message} (see 'tokenset ${command.name} --help')`);
  }
}

/**
 * Runs the command line `argv` (without `node` and the script) and returns the exit code:
 * - 0: success;
 * - 2: usage: a command line that cannot be parsed or a flag value that breaks a rule (unknown flag,
 *   missing argument, `--steps -5`, `--top-k` above M+1, an unknown class id);
 * - 1: everything else: a missing or unreadable file, an output that would be overwritten, a model
 *   that cannot be loaded or does not fit the other (a tokenizer of another codebook), a failed run.
 * Errors never escape and never print a stack trace (set TOKENSET_DEBUG=1 to see one).
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      const target = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
      io.stdout.write(target ? commandHelp(target) : mainHelp());
      return 0;
    }
    if (name === '--version' || name === '-v') {
      io.stdout.write(`${VERSION}\n`);
      return 0;
    }
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) {
      throw new UsageError(
        `unknown command ${JSON.stringify(name)}: expected one of ${COMMANDS.map((c) => c.name).join(', ')}`,
      );
    }
    const { positionals, values } = parseCommandArgs(command, [...rest]);
    if (values.help) {
      io.stdout.write(commandHelp(command));
      return 0;
    }
    await command.run(positionals, values, io);
    return 0;
  } catch (error) {
    io.stderr.write(`${io.stderr.isTTY ? '\n' : ''}tokenset: ${errorLine(error)}\n`);
    if (io.env.TOKENSET_DEBUG && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
}
