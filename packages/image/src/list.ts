import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe } from '@tokenset/tensor-io';
import { ImageError } from './errors.js';
import { IMAGE_EXTENSIONS } from './formats.js';

/** Options of {@link listImageFiles}. */
export interface ListImagesOptions {
  /** Extensions to include (lower case, no dot); default every readable format's ({@link IMAGE_EXTENSIONS}). */
  extensions?: readonly string[];
}

/**
 * The image files of a folder: not recursive, selected by extension (case-insensitive), sorted by
 * name in UTF-8 byte order (Python's string order, as torch-fidelity's `glob_samples_paths` sorts).
 * Sub-folders are skipped; names containing `.partial-` (a file being written atomically) too.
 *
 * @param folder - the folder.
 * @param options - which extensions count.
 * @returns the paths (`folder/name`), sorted.
 * @throws {@link ImageError} when the folder cannot be read.
 */
export async function listImageFiles(folder: string, options: ListImagesOptions = {}): Promise<string[]> {
  if (typeof folder !== 'string') throw new TypeError(`folder: expected a path, got ${describe(folder)}`);
  const wanted = new Set(
    (options.extensions ?? IMAGE_EXTENSIONS).map((e) => e.toLowerCase().replace(/^\./, '')),
  );
  let entries: Dirent[];
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ImageError(`folder: expected a readable directory, got '${folder}' (${code})`, {
      cause: error,
    });
  }
  const names: string[] = [];
  for (const entry of entries) {
    if (entry.isDirectory() || entry.name.includes('.partial-')) continue;
    const dot = entry.name.lastIndexOf('.');
    if (dot >= 0 && wanted.has(entry.name.slice(dot + 1).toLowerCase())) names.push(entry.name);
  }
  names.sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  return names.map((name) => join(folder, name));
}
