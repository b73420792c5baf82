// Runs one benchmark module in its own process (so peak memory is its own) and writes its rows
// as JSON to the path given second.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Bench } from './bench-types.ts';

const [file, out] = process.argv.slice(2);
const mod = (await import(pathToFileURL(file).href)) as { default: Bench };
const rows = await mod.default();
writeFileSync(out, JSON.stringify(rows));
