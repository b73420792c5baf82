/**
 * The page's models, loaded from URLs with progress, Cache Storage and an AbortSignal: the set
 * tokenizer (`tokenizer.pth` + `tokenizer.json` for its head count) and the DiT1D generator
 * (`generator.pth`, heads from its `args`). Both are built into ONNX graphs in the page.
 */

import { DiT1D } from '@tokenset/dit1d';
import { type FetchProgress, fetchBytes } from '@tokenset/runtime/web';
import { SetTokenizer } from '@tokenset/tokenizer';

/** The demo's models in the page. */
export interface PageModels {
  tokenizer: SetTokenizer;
  generator: DiT1D;
}

/** Downloads (or reads from the cache) and starts both models; `onProgress` gets the fraction loaded. */
export async function loadModels(
  base: URL,
  onProgress: (fraction: number, message: string) => void,
  signal?: AbortSignal,
): Promise<PageModels> {
  const files = ['tokenizer.json', 'tokenizer.pth', 'generator.pth'];
  const loaded = new Map<string, number>();
  const totals = new Map<string, number>();
  const report = (event: FetchProgress) => {
    const name = event.url.slice(event.url.lastIndexOf('/') + 1);
    if (event.status === 'download') {
      loaded.set(name, event.loaded);
      if (event.total !== undefined) totals.set(name, event.total);
    } else {
      loaded.set(name, event.bytes);
      totals.set(name, event.bytes);
    }
    const done = [...loaded.values()].reduce((a, b) => a + b, 0);
    const total = [...totals.values()].reduce((a, b) => a + b, 0);
    onProgress(total > 0 ? done / total : 0, `${event.status === 'cached' ? 'cached' : 'loading'} ${name}`);
  };
  const [sidecar, tokenizerBytes, generatorBytes] = await Promise.all(
    files.map((f) => fetchBytes(new URL(f, base), { onProgress: report, signal })),
  );
  const numHeads = (JSON.parse(new TextDecoder().decode(sidecar)) as { numHeads?: number }).numHeads;
  onProgress(1, 'building the ONNX graphs');
  const tokenizer = await SetTokenizer.load(tokenizerBytes, { numHeads });
  const generator = await DiT1D.load(generatorBytes);
  return { tokenizer, generator };
}
