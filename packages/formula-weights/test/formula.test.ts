import { readFileSync } from 'node:fs';
import { fnv1a32, formulaKind, formulaTensor, parseShapes } from '@tokenset/formula-weights';
import { describe, expect, it } from 'vitest';

interface Case {
  name: string;
  shape: number[];
  seed: number;
  fnv: number;
  values: number[];
}
const cases: Case[] = JSON.parse(readFileSync(new URL('./fixtures/expected.json', import.meta.url), 'utf8'));

describe('formulaTensor', () => {
  it.each(cases.map((c) => [c.name, c] as const))(
    '%s matches the independent Python computation bit for bit',
    (_, c) => {
      expect(fnv1a32(`${c.seed}:${c.name}`)).toBe(c.fnv);
      expect(Array.from(formulaTensor(c.name, c.shape, c.seed))).toEqual(c.values.map(Math.fround));
    },
  );

  it('picks kinds by the first matching rule', () => {
    expect(formulaKind('a.bn.running_var', [4])).toBe('var');
    expect(formulaKind('a.bias', [4])).toBe('bias');
    expect(formulaKind('norm.weight', [4])).toBe('scale');
    expect(formulaKind('quantize.embedding.weight', [4096, 12])).toBe('embed');
    expect(formulaKind('conv.weight', [2, 3, 3, 3])).toBe('he');
    expect(formulaKind('fc.weight', [3, 2])).toBe('weight');
  });

  it('rejects bad shapes', () => {
    expect(() => formulaTensor('w', [2, -1])).toThrow(/non-negative integers, got \[2, -1\]/);
  });

  it('parses both shapes.json layouts in order', () => {
    expect(parseShapes({ a: [1], b: [2, 3] })).toEqual([
      { name: 'a', shape: [1] },
      { name: 'b', shape: [2, 3] },
    ]);
    expect(parseShapes([['a', [1]]])).toEqual([{ name: 'a', shape: [1] }]);
    expect(() => parseShapes(3)).toThrow(/expected an object or array, got number/);
  });
});
