/**
 * What the tokenizer needs from Node.js besides images (image-io.ts): reading the `.json` file
 * beside a checkpoint. Browser bundles get `platform.browser.ts` (the `browser` condition of package.json's `imports`).
 */

import { readFile } from 'node:fs/promises';

/** A text file's contents, or undefined when it cannot be read. */
export async function readTextIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}
