import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type NdArray, readNpy } from '@tokenset/tensor-io';

/** Absolute path of a file under test/fixtures. */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

/** Reads `test/fixtures/<name>.npy`. */
export function npy(name: string): Promise<NdArray> {
  return readNpy(fixturePath(`${name}.npy`));
}

/** Reads a JSON fixture. */
export async function json<T>(name: string): Promise<T> {
  return JSON.parse(await readFile(fixturePath(name), 'utf8')) as T;
}

/** `max |a − b| / max |b|`. */
export function relativeMaxError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

/** `max |a − b|`. */
export function maxAbsError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  for (let i = 0; i < b.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
  return diff;
}

/** A deterministic uniform stream in [0, 1) (Park–Miller), for generated test data. */
export function uniforms(seed: number): () => number {
  let s = seed % 2147483647 || 1;
  return () => {
    s = (s * 16807) % 2147483647;
    return (s - 1) / 2147483646;
  };
}
