/**
 * Model files over HTTP for the browser (works in Node.js 20 too): bytes from a URL with progress
 * events, the browser's Cache Storage (a second visit, or an offline one, reads from it), and
 * cancellation with an AbortSignal. DiT1D.load, SetTokenizer.load and tensor-io take the bytes.
 */

/** What {@link fetchBytes} reports, keyed by `status`. */
export type FetchProgress =
  | { status: 'cached'; url: string; bytes: number }
  | { status: 'download'; url: string; loaded: number; total: number | undefined }
  | { status: 'done'; url: string; bytes: number; fromCache: boolean };

/** Options of {@link fetchBytes}. */
export interface FetchBytesOptions {
  /** Receives progress events (from the cache, while downloading, when done). */
  onProgress?: (event: FetchProgress) => void;
  /** Cancels the download; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Name of the Cache Storage cache to read from and store into (default `'tokenset-models'`);
   * `false` never caches. Without Cache Storage (Node.js, insecure origins) nothing is cached.
   */
  cache?: string | false;
}

/** The part of the Cache Storage API used here (the project type-checks without the DOM library). */
interface ModelCache {
  match(url: string): Promise<Response | undefined>;
  put(url: string, response: Response): Promise<void>;
}

/** The Cache Storage API where it exists (secure browser contexts), else undefined. */
function cacheStorage(): { open(name: string): Promise<ModelCache> } | undefined {
  return (globalThis as { caches?: { open(name: string): Promise<ModelCache> } }).caches;
}

/**
 * The bytes of `url` (a `.pth` checkpoint, an `.onnx` model, a JSON sidecar…), from the cache
 * when present, else downloaded with progress and stored in the cache.
 *
 * @throws Error naming the URL and the HTTP status when the server does not answer 200.
 * @throws the signal's reason when aborted.
 */
export async function fetchBytes(url: string | URL, options: FetchBytesOptions = {}): Promise<Uint8Array> {
  const href = String(url);
  const { onProgress, signal } = options;
  signal?.throwIfAborted();
  const cacheName = options.cache === undefined ? 'tokenset-models' : options.cache;
  const storage = cacheName === false ? undefined : cacheStorage();
  const cache = storage === undefined || cacheName === false ? undefined : await storage.open(cacheName);
  const hit = await cache?.match(href);
  if (hit !== undefined) {
    const bytes = new Uint8Array(await hit.arrayBuffer());
    onProgress?.({ status: 'cached', url: href, bytes: bytes.length });
    onProgress?.({ status: 'done', url: href, bytes: bytes.length, fromCache: true });
    return bytes;
  }
  const response = await fetch(href, { signal });
  if (!response.ok) {
    throw new Error(`fetch '${href}': expected HTTP 200, got ${response.status} ${response.statusText}`);
  }
  const header = response.headers.get('content-length');
  const total = header === null ? undefined : Number(header);
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  onProgress?.({ status: 'download', url: href, loaded, total });
  if (response.body === null) throw new Error(`fetch '${href}': expected a body, got none`);
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress?.({ status: 'download', url: href, loaded, total });
  }
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  await cache?.put(href, new Response(bytes, { headers: { 'content-type': 'application/octet-stream' } }));
  onProgress?.({ status: 'done', url: href, bytes: bytes.length, fromCache: false });
  return bytes;
}
