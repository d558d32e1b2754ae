// Fails when a source file uses the `any` type (STYLE.md: no `any`). src/gql is
// generated (its lookup helper casts once inside) and is skipped; the codegen
// config maps every scalar to a real type, so no `any` reaches our code from it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['src', 'e2e'];
const pattern = /(:\s*any\b|<any>|\bas any\b|any\[\]|Array<any>)/;
const found = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (p === join('src', 'gql')) continue;
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.(ts|tsx)$/.test(name)) {
      readFileSync(p, 'utf8').split('\n').forEach((line, i) => {
        if (pattern.test(line) && !line.trimStart().startsWith('//')) found.push(`${p}:${i + 1}: ${line.trim()}`);
      });
    }
  }
}
roots.forEach(walk);
if (found.length) {
  console.error(`the \`any\` type is not allowed:\n${found.join('\n')}`);
  process.exit(1);
}
console.log('no-any: ok');
