/**
 * The module the benchmarks time (`npm run bench analysis`): 3,000 tasks in 6,000 lines. Here only
 * what can be asserted without a clock: its shape, that an edit parsed incrementally is analysed as
 * parsing from scratch would, and that the same text again is answered from the cache.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyseModule } from '../../server/src/analysis/analyse';
import { generateLargeModule } from './generate';

test('generateLargeModule: 2 lines per task, a diamond ladder', () => {
  const text = generateLargeModule(3000);
  const lines = text.split('\n').length;
  assert.ok(lines >= 6000 && lines < 6020, `${lines} lines`);
  const analysis = analyseModule(text, 'generated.alamode.ts', { fresh: true });
  const dag = analysis.dags[0]!;
  assert.equal(dag.tasks.length, 3000);
  assert.deepEqual(dag.tasks.find((t) => t.name === 'top1')!.deps.map((d) => d.name), ['left1', 'right1']);
  assert.deepEqual(analysis.diagnostics, []);
});

test('3,000 tasks: an edit parsed incrementally gives the analysis of a fresh parse; the same text again is the cached result', () => {
  let text = generateLargeModule(3000);
  analyseModule(text, 'large-edit.alamode.ts');
  const at = text.indexOf("sha: '", Math.floor(text.length / 2)) + 6;
  text = `${text.slice(0, at)}z${text.slice(at + 1)}`;
  const incremental = analyseModule(text, 'large-edit.alamode.ts');
  const fresh = analyseModule(text, 'large-fresh.alamode.ts', { fresh: true });
  const specs = (a: typeof fresh) => a.dags[0]!.tasks.map((t) => [t.name, t.spec]);
  assert.deepEqual(specs(incremental), specs(fresh));
  assert.ok(specs(fresh).some(([, spec]) => String((spec as { sha: string }).sha).startsWith('z')), 'the edit reached a spec');
  assert.equal(analyseModule(text, 'large-edit.alamode.ts'), incremental);
});
