/**
 * A short description of a value for error messages: `null`, `a Float32Array(12)`, `an array`,
 * `an object (Map)`, `string "x"`, `number 3`.
 */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (ArrayBuffer.isView(value)) {
    const length = (value as unknown as { length?: number }).length;
    return `a ${value.constructor.name}${length === undefined ? '' : `(${length})`}`;
  }
  if (Array.isArray(value)) return `an array(${value.length})`;
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`;
  if (typeof value === 'string')
    return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}
