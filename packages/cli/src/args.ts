/** Parsing of flag values into typed settings; every failure names the flag and what was expected. */

import type { OptionValues } from './command.js';
import { UsageError } from './errors.js';

/** The string value of a flag, or undefined. */
export function stringFlag(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new UsageError(`--${name}: expected a value`);
  return value;
}

/** The string value of a required flag. */
export function requiredFlag(values: OptionValues, name: string, what: string): string {
  const value = stringFlag(values, name);
  if (value === undefined || value === '') throw new UsageError(`--${name}: expected ${what}, got nothing`);
  return value;
}

/** An integer flag within [min, max]. */
export function intFlag(
  values: OptionValues,
  name: string,
  fallback: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const text = stringFlag(values, name);
  if (text === undefined) return fallback;
  return parseInteger(text, `--${name}`, min, max);
}

/** A number flag within [min, max], or undefined when absent. */
export function numberFlag(values: OptionValues, name: string, min: number, max: number): number | undefined {
  const text = stringFlag(values, name);
  if (text === undefined) return undefined;
  const value = parseNumber(text, `--${name}`);
  if (value < min || value > max) {
    throw new UsageError(`--${name}: expected a number in [${min}, ${max}], got ${text.trim()}`);
  }
  return value;
}

/** Parses a decimal integer (optionally within [min, max]; without bounds, the library checks the range). */
export function parseInteger(
  text: string,
  what: string,
  min = -Number.MAX_SAFE_INTEGER,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (!/^\s*[-+]?\d+\s*$/.test(text)) {
    throw new UsageError(`${what}: expected an integer, got ${JSON.stringify(text)}`);
  }
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${what}: expected an integer in [${min}, ${max}], got ${text.trim()}`);
  }
  return value;
}

/** Parses a finite decimal number (the library checks the range). */
export function parseNumber(text: string, what: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) {
    throw new UsageError(`${what}: expected a number, got ${JSON.stringify(text)}`);
  }
  return value;
}

/**
 * Parses a class list such as `207,360` or `0-9,88` against the model's number of classes.
 * An unknown class id is an error that says the valid range.
 */
export function parseClassList(text: string, numClasses: number): number[] {
  const classes: number[] = [];
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const range = /^(\d+)-(\d+)$/.exec(item);
    const ids = range ? [Number(range[1]), Number(range[2])] : [Number.NaN];
    if (!range) {
      if (!/^\d+$/.test(item)) {
        throw new UsageError(
          `--classes: expected class ids such as 207,360 or 0-9, got ${JSON.stringify(item)}`,
        );
      }
      ids[0] = Number(item);
    }
    for (const id of ids) {
      if (id >= numClasses) {
        throw new UsageError(
          `--classes: unknown class id ${id}: this model has ${numClasses} classes (0-${numClasses - 1})`,
        );
      }
    }
    if (range) {
      if (ids[1] < ids[0]) throw new UsageError(`--classes: expected an increasing range, got ${item}`);
      for (let id = ids[0]; id <= ids[1]; id++) classes.push(id);
    } else {
      classes.push(ids[0]);
    }
  }
  if (classes.length === 0) throw new UsageError('--classes: expected at least one class id, got none');
  return classes;
}
