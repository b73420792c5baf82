/**
 * Errors the command reports to its user. Only the CLI turns errors into exit codes and one line on
 * stderr; everything below it throws ordinary `Error` subclasses.
 */

/**
 * A problem the command reports (a missing file, an output that exists, models that do not fit
 * together): printed as one line, exit 1. Exit codes: 0 success, 2 usage ({@link UsageError}),
 * 1 everything else.
 */
export class CliError extends Error {
  /** The process exit code this error maps to. */
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** A command line that cannot be parsed, or a flag value that breaks a rule (unknown flag, missing argument, `--steps -5`): exit 2, like most tools. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

/** The one line printed for any error: its message's first line, never a stack trace. */
export function errorLine(error: unknown): string {
  if (error instanceof Error) {
    const first = (error.message || error.name).split('\n')[0].trim();
    return first.length > 0 ? first : error.name;
  }
  return String(error).split('\n')[0];
}
