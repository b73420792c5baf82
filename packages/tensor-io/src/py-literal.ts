/**
 * A parser for the tiny subset of Python literals that `.npy` headers use: a dict of string keys
 * whose values are strings, booleans, None, ints and tuples/lists of them. It evaluates nothing.
 */
export type PyLiteral = string | number | boolean | null | PyLiteral[] | Map<string, PyLiteral>;

const MAX_DEPTH = 16;

/** Parses `text`; throws a plain `Error` with a position on anything outside the subset. */
export function parsePyLiteral(text: string): PyLiteral {
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`expected ${what} at character ${i}, got ${JSON.stringify(text.slice(i, i + 12))}`);
  };
  const skip = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const value = (depth: number): PyLiteral => {
    if (depth > MAX_DEPTH) fail(`nesting of at most ${MAX_DEPTH} levels`);
    skip();
    const c = text[i];
    if (c === '{') {
      i++;
      const map = new Map<string, PyLiteral>();
      for (;;) {
        skip();
        if (text[i] === '}') {
          i++;
          return map;
        }
        const key = value(depth + 1);
        if (typeof key !== 'string') fail('a string key');
        skip();
        if (text[i] !== ':') fail("':'");
        i++;
        map.set(key as string, value(depth + 1));
        skip();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') fail("',' or '}'");
      }
    }
    if (c === '(' || c === '[') {
      const close = c === '(' ? ')' : ']';
      i++;
      const items: PyLiteral[] = [];
      for (;;) {
        skip();
        if (text[i] === close) {
          i++;
          return items;
        }
        items.push(value(depth + 1));
        skip();
        if (text[i] === ',') i++;
        else if (text[i] !== close) fail(`',' or '${close}'`);
      }
    }
    if (c === "'" || c === '"') {
      i++;
      let s = '';
      while (i < text.length && text[i] !== c) {
        if (text[i] === '\\') {
          i++;
          if (i >= text.length) break;
        }
        s += text[i++];
      }
      if (text[i] !== c) fail('a closing quote');
      i++;
      return s;
    }
    const m = /^(-?\d+)L?|^(True|False|None)\b/.exec(text.slice(i, i + 40));
    if (!m) return fail('a literal');
    i += m[0].length;
    if (m[1] !== undefined) return Number(m[1]);
    return m[2] === 'True' ? true : m[2] === 'False' ? false : null;
  };
  const result = value(0);
  skip();
  if (i !== text.length) fail('the end of the literal');
  return result;
}
