/** The shape of a subcommand and the streams it talks to. */

import type { ParseArgsConfig } from 'node:util';
import type { ProgressStream } from './progress.js';

/** Where a command writes: results to `stdout`, progress and messages to `stderr`. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: ProgressStream;
  /** Environment variables (TOKENSET_DEVICE, TOKENSET_THREADS). */
  env: Record<string, string | undefined>;
}

/** Option definitions of a command, as node:util `parseArgs` takes them, plus help text. */
export type OptionSpecs = Record<
  string,
  NonNullable<ParseArgsConfig['options']>[string] & { description: string; valueName?: string }
>;

/** Parsed values: strings, booleans, or arrays of strings for `multiple` options. */
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/** A subcommand of `tokenset`. */
export interface Command {
  /** Name typed after `tokenset`. */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Usage line(s) after `tokenset `, e.g. `reconstruct <tokenizer.pth> <image|folder>... <out>`. */
  usage: string;
  /** Longer description printed by `--help`. */
  description: string;
  /** The flags. `--help` is added for every command. */
  options: OptionSpecs;
  /** Examples printed by `--help`. */
  examples?: string[];
  /** Runs the command; throws CliError (or any Error) on failure. */
  run(positionals: string[], values: OptionValues, io: CliIo): Promise<void>;
}
