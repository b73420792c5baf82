/**
 * `@tokenset/runtime/web`: settings and status of the browser backend (onnxruntime-web). The
 * models themselves load through the package's main entry, which bundlers resolve to the browser
 * backend (the `browser` condition of package.json's `imports`).
 */

export type { FetchBytesOptions, FetchProgress } from './fetch-bytes.js';
export { fetchBytes } from './fetch-bytes.js';
export type { WebRuntimeInfo, WebRuntimeOptions } from './web-config.js';
export { configureWebRuntime, webRuntimeInfo } from './web-config.js';
