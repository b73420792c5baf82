import { readFileSync } from 'node:fs';

/** One parameter of torch-fidelity's InceptionV3: its state-dict name and shape. */
export interface InceptionParameter {
  name: string;
  shape: number[];
}

/**
 * The parameters of torch-fidelity's `inception-v3-compat` network, in its state-dict order. The
 * architecture is fixed, so this list is too; with it, tests, benchmarks and demos build the full
 * network from formula weights (`formulaStateDict(inceptionShapes())` of @tokenset/formula-weights).
 */
export function inceptionShapes(): InceptionParameter[] {
  const json = readFileSync(new URL('../assets/inception-shapes.json', import.meta.url), 'utf8');
  return Object.entries(JSON.parse(json) as Record<string, number[]>).map(([name, shape]) => ({
    name,
    shape,
  }));
}
