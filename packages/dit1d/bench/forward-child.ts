// Child process of dit1d.bench.ts: loads DiT1D-S (formula weights), runs one forward at the given
// batch and prints the peak resident memory as JSON (the process holds nothing else).
import { readFileSync } from 'node:fs';
import { DiT1D } from '@tokenset/dit1d';
import { formulaStateDict, parseShapes } from '@tokenset/formula-weights';
import { peakResidentMiB } from './peak-memory.ts';

const batch = Number(process.argv[2]);
const shapes = parseShapes(
  JSON.parse(readFileSync(new URL('../test/fixtures/full-dit1d-s/shapes.json', import.meta.url), 'utf8')),
);
const dit = await DiT1D.fromStateDict(formulaStateDict(shapes), {
  preset: 'DiT1D-S',
  consumeStateDict: true,
});
const counts = new Int32Array(batch * 4096);
for (let b = 0; b < batch; b++) for (let i = 0; i < 128; i++) counts[b * 4096 + ((i * 31 + b) % 4096)] += 1;
const start = performance.now();
await dit.probabilities(counts, new Float32Array(batch).fill(0.5), new Int32Array(batch).fill(207));
const seconds = (performance.now() - start) / 1000;
process.stdout.write(`${JSON.stringify({ seconds, peakMiB: peakResidentMiB() })}\n`);
await dit.release();
