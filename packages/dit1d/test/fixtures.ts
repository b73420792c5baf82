import { readFileSync } from 'node:fs';
import { readNpy } from '@tokenset/tensor-io';

/** A fixture file's path. */
export const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

/** A float32 fixture array. */
export async function f32(name: string): Promise<Float32Array> {
  return (await readNpy(fixture(`${name}.npy`))).data as Float32Array;
}

/** An int64 fixture array as Int32Array. */
export async function i32(name: string): Promise<Int32Array> {
  return (await readNpy(fixture(`${name}.npy`), { int64: 'int32' })).data as Int32Array;
}

/** A float64 fixture array. */
export async function f64(name: string): Promise<Float64Array> {
  return (await readNpy(fixture(`${name}.npy`))).data as Float64Array;
}

/** A JSON fixture. */
export function json(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(fixture(name), 'utf8'));
}

/** Largest absolute difference. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
