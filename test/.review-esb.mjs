import { transformSync } from 'esbuild';
const code = process.argv[2];
const r = transformSync(code, { loader: 'ts', target: 'node20', tsconfigRaw: process.argv[3] ?? '{}' });
console.log(r.code);
