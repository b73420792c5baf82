import { readFileSync } from 'node:fs';
import { inceptionShapes } from '@tokenset/eval';
import { describe, expect, it } from 'vitest';

describe('inceptionShapes', () => {
  it('lists exactly the reference state dict, in order', () => {
    const reference = JSON.parse(
      readFileSync(new URL('./fixtures/inception/shapes.json', import.meta.url), 'utf8'),
    ) as Record<string, number[]>;
    expect(inceptionShapes()).toEqual(Object.entries(reference).map(([name, shape]) => ({ name, shape })));
  });
});
