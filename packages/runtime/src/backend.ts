/**
 * The session backend of this platform: `#session` is `session.ts` (onnxruntime-node) in Node.js
 * and `session.browser.ts` (onnxruntime-web) in browser bundles. Typed by the Node module, so that
 * the published declarations name no `#` import (they must resolve for every TypeScript setting).
 */

import * as backend from '#session';
import type * as NodeSession from './session.js';

/** An ONNX model loaded into onnxruntime (onnxruntime-node, or onnxruntime-web in a browser). */
export const ModelSession: typeof NodeSession.ModelSession = backend.ModelSession;
/** An ONNX model loaded into onnxruntime (onnxruntime-node, or onnxruntime-web in a browser). */
export type ModelSession = NodeSession.ModelSession;
/** Whether onnxruntime-node's CUDA execution provider library is installed (false in a browser). */
export const cudaProviderInstalled: typeof NodeSession.cudaProviderInstalled = backend.cudaProviderInstalled;
