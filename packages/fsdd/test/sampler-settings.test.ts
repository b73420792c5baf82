import { describe, expect, it } from 'vitest';
import {
  checkSeed,
  REFERENCE_SAMPLER,
  SAMPLER_PRESET_NAMES,
  SAMPLER_PRESETS,
  SamplerSettingsError,
  samplerSettings,
} from '../src/index.js';

describe('sampler presets', () => {
  it('reference is the defaults of sample.py; high-quality changes only the draws and adjust step', () => {
    expect(SAMPLER_PRESET_NAMES).toEqual(['reference', 'high-quality']);
    expect(samplerSettings()).toEqual(REFERENCE_SAMPLER);
    expect(REFERENCE_SAMPLER).toMatchObject({
      steps: 25,
      guidance: '4_50_55',
      x0: { kind: 'topP', p: 0.8 },
      xt: { kind: 'multinomial' },
      adjustFrom: 0.65,
    });
    expect(samplerSettings({ preset: 'high-quality' })).toEqual({
      ...REFERENCE_SAMPLER,
      x0: { kind: 'topK', k: 2 },
      xt: { kind: 'topK', k: 2 },
      adjustFrom: 1,
    });
    expect(Object.isFrozen(SAMPLER_PRESETS.reference)).toBe(true);
  });

  it('overrides win over the preset and the result is a copy', () => {
    const s = samplerSettings({ preset: 'high-quality', steps: 50, guidance: 'none' });
    expect(s.steps).toBe(50);
    expect(s.guidance).toBe('none');
    s.x0 = { kind: 'multinomial' };
    expect(SAMPLER_PRESETS['high-quality'].x0).toEqual({ kind: 'topK', k: 2 });
  });
});

describe('samplerSettings: one validator', () => {
  const fails = (
    input: Parameters<typeof samplerSettings>[0],
    setting: string,
    detail: RegExp,
    setSize?: number,
  ) => {
    let error: unknown;
    try {
      samplerSettings(input, { setSize });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SamplerSettingsError);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as SamplerSettingsError).setting).toBe(setting);
    expect((error as SamplerSettingsError).detail).toMatch(detail);
  };

  it('names the setting, what was expected and what was found', () => {
    fails({ preset: 'fast' as 'reference' }, 'preset', /expected one of reference, high-quality, got "fast"/);
    fails({ steps: -5 }, 'steps', /expected an integer in \[1, 1000000\], got -5/);
    fails({ steps: 2.5 }, 'steps', /got 2.5/);
    fails({ guidance: 0.5 }, 'guidance', /expected a scale >= 1 .* got 0.5/);
    fails({ guidance: -3 }, 'guidance', /got -3/);
    fails({ guidance: '4_x' }, 'guidance', /interval scales/);
    fails({ x0: { kind: 'topP', p: 0 } }, 'x0.p', /expected a probability in \(0, 1\], got 0/);
    fails({ x0: { kind: 'topP', p: 1.5 } }, 'x0.p', /got 1.5/);
    fails({ x0: { kind: 'topK', k: 99999 } }, 'x0.k', /expected an integer in \[1, 129\], got 99999/, 128);
    fails({ xt: { kind: 'topK', k: 129 } }, 'xt.k', /expected an integer in \[1, 128\], got 129/, 128);
    fails({ adjustFrom: Number.NaN }, 'adjustFrom', /finite number/);
    fails({ adjust: 'fast' as 'exact' }, 'adjust', /expected one of reference, exact, got fast/);
    fails({ fallback: 'none' as 'row' }, 'fallback', /expected one of batch, row, got none/);
    fails({ sigmaSchedule: 'cosine' }, 'sigmaSchedule', /sigmoid<k>_<c>/);
  });

  it("accepts 'none', scale 1, interval schedules, and top-k up to M+1 for x0", () => {
    expect(samplerSettings({ guidance: 'none' }).guidance).toBe('none');
    expect(samplerSettings({ guidance: 1 }).guidance).toBe(1);
    expect(samplerSettings({ guidance: [1, 2, 3] }).guidance).toEqual([1, 2, 3]);
    expect(samplerSettings({ x0: { kind: 'topK', k: 129 } }, { setSize: 128 }).x0).toEqual({
      kind: 'topK',
      k: 129,
    });
    // Without the model's set size, top-k has no upper bound yet.
    expect(samplerSettings({ x0: { kind: 'topK', k: 99999 } }).x0).toEqual({ kind: 'topK', k: 99999 });
  });

  it('checks seeds', () => {
    expect(checkSeed('seed', 0)).toBe(0);
    expect(checkSeed('seed', 2 ** 32 - 1)).toBe(2 ** 32 - 1);
    expect(() => checkSeed('seed', -1)).toThrow('seed: expected an integer in [0, 4294967295], got -1');
    expect(() => checkSeed('seed', 2 ** 32)).toThrow(SamplerSettingsError);
  });
});
