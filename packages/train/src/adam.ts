/**
 * AdamW (decoupled weight decay, bias-corrected moments) over named parameters, with its state as
 * named arrays so a checkpoint can hold it and a resumed run continues bit for bit.
 */

import type { Params } from './layers.js';
import { tf } from './tf.js';

/** Settings of {@link AdamW}. */
export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Decoupled weight decay (applied to parameters with 2 or more dimensions only). */
  weightDecay?: number;
}

/** AdamW with moment buffers per parameter name. */
export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  /** Updates applied so far. */
  step = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(
    private readonly params: Params,
    options: AdamWOptions = {},
  ) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    for (const [name, p] of params) {
      this.m.set(name, tf.variable(tf.zerosLike(p), false));
      this.v.set(name, tf.variable(tf.zerosLike(p), false));
    }
  }

  /**
   * One update with learning rate `lr` from gradients by parameter name; `scales` multiplies the
   * learning rate of the parameters it names.
   */
  apply(grads: Record<string, tf.Tensor>, lr: number, scales?: Readonly<Record<string, number>>): void {
    this.step++;
    const c1 = 1 - this.beta1 ** this.step;
    const c2 = 1 - this.beta2 ** this.step;
    tf.tidy(() => {
      for (const [name, p] of this.params) {
        const g = grads[name];
        if (g === undefined) continue;
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), this.epsilon));
        const rate = lr * (scales?.[name] ?? 1);
        let next = tf.sub(p, tf.mul(update, rate));
        if (this.weightDecay > 0 && p.shape.length >= 2)
          next = tf.sub(next, tf.mul(p, rate * this.weightDecay));
        p.assign(next);
      }
    });
  }

  /** The moment buffers as `m.<name>` / `v.<name>` arrays. */
  state(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const [name, m] of this.m) out.set(`m.${name}`, m.dataSync() as Float32Array);
    for (const [name, v] of this.v) out.set(`v.${name}`, v.dataSync() as Float32Array);
    return out;
  }

  /** Restores what {@link AdamW.state | state()} returned, and the step count. */
  restore(state: Map<string, Float32Array>, step: number): void {
    for (const [kind, buffers] of [
      ['m', this.m],
      ['v', this.v],
    ] as const) {
      for (const [name, variable] of buffers) {
        const data = state.get(`${kind}.${name}`);
        if (data === undefined || data.length !== variable.size) {
          throw new Error(
            `optimizer state: expected '${kind}.${name}' with ${variable.size} values, got ${data === undefined ? 'none' : data.length}`,
          );
        }
        variable.assign(tf.tensor(data, variable.shape));
      }
    }
    this.step = step;
  }
}

/**
 * Exponential moving average of parameters (`ema = d·ema + (1-d)·p`), as train.py's `update_ema`.
 * With `warmup`, update n (1-based) uses `min(decay, (1 + n) / (10 + n))`: a short run's average
 * then forgets the initial weights (at a fixed 0.998, a quarter of a 700-step run's average is
 * still the zero-initialised adaLN of step 0).
 */
export class Ema {
  readonly shadow = new Map<string, tf.Variable>();

  constructor(
    private readonly params: Params,
    readonly decay: number,
    readonly warmup = false,
  ) {
    for (const [name, p] of params) this.shadow.set(name, tf.variable(tf.clone(p), false));
  }

  /** The decay of update `n` (1-based). */
  decayAt(n: number): number {
    return this.warmup ? Math.min(this.decay, (1 + n) / (10 + n)) : this.decay;
  }

  /** Moves the average towards the current parameters; `n` is the update's number (1-based). */
  update(n: number): void {
    const d = this.decayAt(n);
    tf.tidy(() => {
      for (const [name, p] of this.params) {
        const s = this.shadow.get(name)!;
        s.assign(tf.add(tf.mul(s, d), tf.mul(p, 1 - d)));
      }
    });
  }
}
