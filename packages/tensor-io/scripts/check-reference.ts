// Reads every .npy/.npz under a reference folder (default ../shared/reference, relative to the
// repository root) with this package and compares each array's dtype, shape and bytes (SHA-256)
// with what NumPy read (test/fixtures/reference/reference-summary.json, made by
// tools/tensor-io/reference_npy.py). Not a test: CI has no reference folder.
// Run: npx tsx packages/tensor-io/scripts/check-reference.ts [dir]
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type NdArray, readCheckpoint, readNpy, readNpz } from '../src/index.js';

const dir = process.argv[2] ?? '../shared/reference';
const summaryPath = fileURLToPath(
  new URL('../test/fixtures/reference/reference-summary.json', import.meta.url),
);
const summary: Record<
  string,
  Record<string, { dtype: string; shape: number[]; sha256: string }>
> = JSON.parse(await readFile(summaryPath, 'utf8'));
const files = (await readdir(dir, { recursive: true }))
  .filter((f) => f.endsWith('.npy') || f.endsWith('.npz'))
  .sort();
let ok = 0;
const problems: string[] = [];
for (const file of files) {
  const rel = relative(dir, join(dir, file)).split(sep).join('/');
  const path = join(dir, file);
  try {
    const arrays: Map<string, NdArray> = file.endsWith('.npz')
      ? await readNpz(path)
      : new Map([['', await readNpy(path)]]);
    const want = summary[rel];
    if (!want) throw new Error('not in the summary');
    for (const [key, a] of arrays) {
      const hash = createHash('sha256')
        .update(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength))
        .digest('hex');
      const w = want[key];
      if (
        !w ||
        w.dtype !== a.dtype ||
        JSON.stringify(w.shape) !== JSON.stringify(a.shape) ||
        w.sha256 !== hash
      ) {
        throw new Error(`array '${key}' differs from NumPy's reading`);
      }
    }
    if (arrays.size !== Object.keys(want).length) throw new Error('member count differs');
    ok++;
  } catch (error) {
    problems.push(`${rel}: ${(error as Error).message}`);
  }
}
console.log(`${ok} of ${files.length} .npy/.npz files under ${dir} read identically to NumPy`);
// Every checkpoint there must open and read every tensor (their values are compared with torch in
// the unit tests, on copies).
for (const file of (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.pth')).sort()) {
  try {
    const ckpt = await readCheckpoint(join(dir, file), { verifyChecksums: true });
    let bytes = 0;
    for (const t of ckpt.tensors().values()) bytes += (await t.read()).byteLength;
    console.log(`${file}: ${ckpt.tensors().size} tensors, ${bytes} bytes read, CRC-32 verified`);
    await ckpt.close();
  } catch (error) {
    problems.push(`${file}: ${(error as Error).message}`);
  }
}
for (const p of problems) console.log(`FAIL ${p}`);
process.exitCode = problems.length || files.length === 0 ? 1 : 0;
