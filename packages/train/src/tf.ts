/**
 * The one module that loads TensorFlow.js: the union package (core ops, gradients, method-style ops) and its WebAssembly backend (pure npm, no
 * native download). Every other module imports `tf` from here, so the backend is set up once.
 */

import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';

let ready: Promise<void> | undefined;

/**
 * Selects the WebAssembly backend (SIMD; TensorFlow.js runs it single-threaded in Node) and waits
 * until it is ready. Safe to call many times.
 */
export function initBackend(): Promise<void> {
  ready ??= (async () => {
    // The wasm backend logs nothing useful at info level; keep the console for our progress.
    tf.env().set('PROD', true);
    const ok = await tf.setBackend('wasm');
    if (!ok) throw new Error("TensorFlow.js: expected the 'wasm' backend to initialise, got a failure");
    await tf.ready();
  })();
  return ready;
}

export { tf };
