// The runnable examples of the package READMEs. A runnable example is a fenced block whose info
// string is `js example` (GitHub highlights it as js); the next fenced `text` block is what it
// prints. Examples are plain JavaScript that is also valid TypeScript, written as ES modules.
import { readFileSync } from 'node:fs';
import { basename, dirname, relative } from 'node:path';

const FENCE = /^```([^\n]*)\n([\s\S]*?)^```$/gm;

/**
 * @param {{ name: string, readme: string }[]} packages
 * @returns {{ id: string, where: string, code: string, output: string }[]}
 */
export function readmeExamples(packages) {
  const out = [];
  for (const { readme } of packages) {
    const text = readFileSync(readme, 'utf8');
    const blocks = [...text.matchAll(FENCE)].map((m) => ({ info: m[1].trim(), body: m[2] }));
    const where = relative(process.cwd(), readme);
    let n = 0;
    blocks.forEach((block, i) => {
      if (block.info !== 'js example') return;
      n++;
      const output = blocks[i + 1];
      if (output?.info !== 'text') {
        throw new Error(`${where}: example ${n}: expected a \`\`\`text block with its output right after it`);
      }
      out.push({
        id: `${basename(dirname(readme))}-${n}`,
        where: `${where} example ${n}`,
        code: block.body,
        output: output.body,
      });
    });
  }
  return out;
}

/**
 * The same example as a CommonJS script: `import` lines become `require` calls (a package that is
 * an ES module loads through Node's require(esm), on by default since Node 20.19), and the body
 * runs in an async function, since CommonJS has no top-level await.
 */
export function toCommonJs(code) {
  const converted = code
    .replace(/^import\s+\{([^}]*)\}\s+from\s+('[^']+');?/gm, (_, names, from) => {
      return `const {${names.replace(/\s+as\s+/g, ': ')}} = require(${from});`;
    })
    .replace(/^import\s+\*\s+as\s+(\w+)\s+from\s+('[^']+');?/gm, 'const $1 = require($2);')
    .replace(/^import\s+(\w+)\s+from\s+('[^']+');?/gm, 'const $1 = require($2);');
  if (/^import\s/m.test(converted))
    throw new Error(`toCommonJs: an import form it does not convert:\n${code}`);
  return `'use strict';\n(async () => {\n${converted}\n})().catch((error) => {\n  console.error(error);\n  process.exitCode = 1;\n});\n`;
}
