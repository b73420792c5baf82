import { configFromStateDict, dit1dFlops, dit1dShapes } from '@tokenset/dit1d';
import { parseShapes } from '@tokenset/formula-weights';
import { describe, expect, it } from 'vitest';
import { json } from './fixtures.js';

describe('dit1dShapes', () => {
  it('lists the reference DiT1D-S parameters in state-dict order', () => {
    const reference = parseShapes(json('full-dit1d-s/shapes.json'));
    const ours = dit1dShapes({
      codebookSize: 4096,
      setSize: 128,
      hiddenSize: 384,
      depth: 12,
      numClasses: 1000,
    });
    expect(ours).toEqual(reference);
    const params = ours.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
    expect(params).toBe(json('full-dit1d-s/config.json').parameters);
  });

  it('gives shapes that configFromStateDict reads back', () => {
    const sizes = { codebookSize: 16, setSize: 4, hiddenSize: 128, depth: 3, numClasses: 5 };
    const sd = new Map(
      dit1dShapes(sizes).map(({ name, shape }) => [
        name,
        { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) },
      ]),
    );
    expect(configFromStateDict(sd)).toMatchObject({
      ...sizes,
      numHeads: 2,
      countEmbeddings: 17,
      mlpHiddenSize: 512,
    });
  });
});

describe('dit1dFlops', () => {
  it('counts DiT1D-S: about 0.48 TFLOP per row', () => {
    const config = {
      codebookSize: 4096,
      setSize: 128,
      hiddenSize: 384,
      depth: 12,
      frequencySize: 256,
      mlpHiddenSize: 1536,
    };
    const perRow = dit1dFlops(config, 1);
    // 12 blocks × 4096 tokens × (24·384² + 4·4096·384) dominate
    expect(perRow / (12 * 4096 * (24 * 384 * 384 + 4 * 4096 * 384))).toBeCloseTo(1, 2);
    expect(dit1dFlops(config, 8)).toBe(8 * perRow);
  });
});
