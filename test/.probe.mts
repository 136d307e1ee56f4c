import { readFileSync } from 'node:fs';
import { analyseModule } from '../server/src/analysis/analyse.ts';
import { nodeFileHost } from '../server/src/analysis/modules/host.ts';
import { UnknownValue } from '../server/src/analysis/types.ts';
const file = process.argv[2]!;
const a = analyseModule(readFileSync(file, 'utf8'), file, { host: nodeFileHost(), fresh: true });
const find = (v: unknown): string | undefined => {
  if (v instanceof UnknownValue) return v.why;
  if (v && typeof v === 'object') for (const x of Object.values(v)) { const w = find(x); if (w) return w; }
  return undefined;
};
for (const d of a.diagnostics) console.log('diag', d.code, d.message);
for (const dag of a.dags) for (const t of dag.tasks) console.log(t.name, find(t.spec) ?? t.tainted?.why ?? 'known');
