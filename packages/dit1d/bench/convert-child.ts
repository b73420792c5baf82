// Child process of dit1d.bench.ts: converts one checkpoint and prints its time and peak memory as
// JSON, so the peak resident memory is the conversion's own (not the benchmark's).
import { convertDiT1DCheckpoint } from '@tokenset/dit1d';
import { peakResidentMiB } from './peak-memory.ts';

const [inPath, outPath] = process.argv.slice(2);
const baseline = peakResidentMiB();
const start = performance.now();
const result = await convertDiT1DCheckpoint(inPath, outPath);
const seconds = (performance.now() - start) / 1000;
process.stdout.write(
  `${JSON.stringify({ seconds, peakMiB: peakResidentMiB(), baselineMiB: baseline, bytes: result.bytes })}\n`,
);
