#!/usr/bin/env node
/** Entry point of the `tokenset` executable: the only module that reads argv and sets the exit code. */

import { errorLine } from './errors.js';
import { runCli } from './main.js';

// A failure outside a command (a native crash reported asynchronously) still gets one line.
process.on('uncaughtException', (error) => {
  process.stderr.write(`tokenset: ${errorLine(error)}\n`);
  process.exit(1);
});
process.on('unhandledRejection', (error) => {
  process.stderr.write(`tokenset: ${errorLine(error)}\n`);
  process.exit(1);
});

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
process.exitCode = code;
