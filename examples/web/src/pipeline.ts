/**
 * The demo's pipeline, shared by the page and the Node.js test so that both run exactly the same
 * steps: class-conditional generation with FSDD, each step's x0 prediction decoded, and token-set
 * decoding. It imports only the libraries, which resolve to onnxruntime-node in Node.js and to
 * onnxruntime-web in a browser bundle.
 */

import { DEMO_SAMPLER } from '@tokenset/demo-models/sampler';
import type { DiT1D } from '@tokenset/dit1d';
import { type Guidance, sample } from '@tokenset/fsdd';
import { tokensFromCounts } from '@tokenset/set-codec';
import type { SetTokenizer } from '@tokenset/tokenizer';

/** What {@link generateDigits} makes. */
export interface GenerateRequest {
  /** The digit class of each image (0–9). */
  labels: readonly number[];
  /** One seed for the batch: row b draws from the stream of `${seed}:${b}`. */
  seed: number;
  /** Classifier-free guidance (a scale, or an interval schedule such as `'4_50_55'`). */
  guidance: Guidance;
  /** FSDD steps (default 25). */
  steps?: number;
  /** Called after each step with the decoded x0 prediction of every row and the step's timing. */
  onStep?: (progress: StepProgress) => void | Promise<void>;
  /** Stops between steps. */
  signal?: AbortSignal;
}

/** One FSDD step, as the page shows it. */
export interface StepProgress {
  /** 0-based step index. */
  step: number;
  /** Number of steps. */
  steps: number;
  /** The x0 prediction of every row decoded to RGB, `[B·S·S·3]`. */
  x0Images: Uint8Array;
  /** Milliseconds of the step itself (model calls and the sampler, without decoding x0). */
  stepMs: number;
}

/** The generated digits. */
export interface GenerateResult {
  /** RGB images `[B·S·S·3]`. */
  images: Uint8Array;
  /** Token sets `[B·M]`, sorted. */
  tokens: Int32Array;
  /** Milliseconds of each step (without decoding x0). */
  stepMs: number[];
}

/**
 * Generates digits with FSDD and decodes them; with `onStep`, also decodes each step's x0. The draws
 * are the demo generator's own defaults (`DEMO_SAMPLER`, from the package's browser-safe `/sampler`
 * entry); guidance and steps are the request's.
 */
export async function generateDigits(
  generator: DiT1D,
  tokenizer: SetTokenizer,
  request: GenerateRequest,
): Promise<GenerateResult> {
  const stepMs: number[] = [];
  let stepStart = performance.now();
  const result = await sample(generator, {
    ...DEMO_SAMPLER,
    labels: [...request.labels],
    seed: request.seed,
    guidance: request.guidance,
    steps: request.steps,
    signal: request.signal,
    onStep: async (step) => {
      const ms = performance.now() - stepStart;
      stepMs.push(ms);
      if (request.onStep) {
        // Before t reaches adjustFrom, x0 need not sum to M: tokensFromCounts fills or truncates
        // the sorted tokens as the reference does, so every prediction decodes.
        const x0Tokens = tokensFromCounts(step.x0, tokenizer.setSize, request.labels.length);
        const x0Images = await tokenizer.decode(x0Tokens);
        await request.onStep({ step: step.step, steps: step.steps, x0Images, stepMs: ms });
      }
      stepStart = performance.now();
    },
  });
  const images = await tokenizer.decode(result.tokens);
  return { images, tokens: result.tokens, stepMs };
}

/** The same multiset in three orders: as given, reversed, and shuffled by a seeded permutation. */
export function tokenOrders(
  tokens: Int32Array,
  seed = 1,
): { original: Int32Array; reversed: Int32Array; shuffled: Int32Array } {
  const reversed = tokens.slice().reverse();
  const shuffled = tokens.slice();
  let state = seed >>> 0 || 1;
  for (let i = shuffled.length - 1; i > 0; i--) {
    // xorshift32: a small deterministic permutation, the same in every run.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const j = (state >>> 0) % (i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  return { original: tokens.slice(), reversed, shuffled };
}
