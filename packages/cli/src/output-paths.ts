/**
 * Checks of the paths a command will write or read, run before any model loads, so that a bad path
 * fails in a second instead of after the expensive work: an output folder must be a folder (or not
 * exist yet) we can create and write in; an output file must not exist (never clobbered), must not be
 * a folder, and its folder must be writable; an input file must exist and be readable.
 */

import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CliError } from './errors.js';

async function kind(path: string): Promise<'file' | 'folder' | 'other' | undefined> {
  try {
    const info = await stat(path);
    return info.isDirectory() ? 'folder' : info.isFile() ? 'file' : 'other';
  } catch {
    return undefined;
  }
}

/** The nearest existing ancestor of `path` must be a writable folder (so `path` can be created). */
async function checkCreatable(path: string, what: string): Promise<void> {
  let parent = dirname(resolve(path));
  for (;;) {
    const k = await kind(parent);
    if (k === 'folder') break;
    if (k !== undefined)
      throw new CliError(`${what}: expected a folder to create ${path} in, got a file: ${parent}`);
    const up = dirname(parent);
    if (up === parent) break;
    parent = up;
  }
  try {
    await access(parent, constants.W_OK);
  } catch {
    throw new CliError(`${what}: expected a writable folder for ${path}, got ${parent} (not writable)`);
  }
}

/**
 * Checks an output folder: a writable folder, or a path where one can be created.
 *
 * @param path - the folder.
 * @param what - the flag or argument, for messages (`--out`).
 */
export async function checkOutputFolder(path: string, what: string): Promise<void> {
  const k = await kind(path);
  if (k === undefined) return checkCreatable(path, what);
  if (k !== 'folder') throw new CliError(`${what}: expected a folder, got an existing file: ${path}`);
  try {
    await access(path, constants.W_OK);
  } catch {
    throw new CliError(`${what}: expected a writable folder, got ${path} (not writable)`);
  }
}

/**
 * Checks files a command will create: none may exist (the command never overwrites), none may be
 * named twice, and their folders must be writable or creatable.
 *
 * @param paths - the files.
 * @param what - the flag or argument, for messages.
 */
export async function checkNewFiles(paths: readonly string[], what: string): Promise<void> {
  const seen = new Set<string>();
  const folders = new Set<string>();
  for (const path of paths) {
    const full = resolve(path);
    if (seen.has(full)) throw new CliError(`${what}: expected distinct output files, got ${path} twice`);
    seen.add(full);
    const k = await kind(path);
    if (k === 'folder') throw new CliError(`${what}: expected a file name, got an existing folder: ${path}`);
    if (k !== undefined) {
      throw new CliError(
        `${what}: ${path} already exists; expected a new file (remove it or choose another name)`,
      );
    }
    folders.add(dirname(full));
  }
  for (const folder of folders) await checkOutputFolder(folder, what);
}

/**
 * Checks an input file: it exists, is a file and is readable.
 *
 * @param path - the file.
 * @param what - the flag or argument, for messages.
 */
export async function checkInputFile(path: string, what: string): Promise<void> {
  const k = await kind(path);
  if (k === undefined) throw new CliError(`${what}: no such file: ${path}`);
  if (k !== 'file') throw new CliError(`${what}: expected a file, got a folder: ${path}`);
  try {
    await access(path, constants.R_OK);
  } catch {
    throw new CliError(`${what}: expected a readable file, got ${path} (not readable)`);
  }
}
