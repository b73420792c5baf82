import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The suffix of temporary files; a reader that lists a folder skips names containing it. */
export const TEMP_MARKER = '.partial-';

/**
 * Writes `data` to `path` so that readers only ever see the old file or the whole new one: the bytes
 * go to a temporary file in the same folder, which is then renamed over `path` (atomic on POSIX).
 * A killed process leaves at most a stray `*.partial-*` file, never a truncated `path`.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}${TEMP_MARKER}${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
