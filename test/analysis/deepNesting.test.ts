/**
 * Code nested deeper than TypeScript's parser (or the evaluator) can follow on the JS stack (issue 11,
 * item 3): the analysis must not fail, must say where it stopped (`analysis-limit` on the deep code),
 * and every task outside the deep code keeps the output ID the module computes when it runs. Expected
 * IDs come from running the same module with the deep expression replaced by a plain value (the tasks
 * do not depend on it; Node's own parser has limits of its own).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { analyseModule } from '../../server/src/analysis/analyse';
import type { Dag } from '../../server/src/runtime/index';
import { fixturesDir } from '../support/paths';
import { executeModule, summariseAnalysis } from './execute';

const module = (deep: string) => `import { Dag } from 'a-la-mode';
const dag = new Dag({ owner: 'data-eng' });
function f(x: unknown) { return x; }
const image = 'registry/app:1';
const a = dag.task('a', { image, sha: '1', command: 'python a.py' });
const deep = ${deep};
dag.task('b', { image, sha: '2', command: 'python b.py' }).addDep(a);
export default dag;
`;

const forms: Record<string, (n: number) => string> = {
  'array literals': (n) => `${'['.repeat(n)}${']'.repeat(n)}`,
  calls: (n) => `${'f('.repeat(n)}1${')'.repeat(n)}`,
  parentheses: (n) => `${'('.repeat(n)}1${')'.repeat(n)}`,
  'object literals': (n) => `${'{ a: '.repeat(n)}1${' }'.repeat(n)}`,
  'arrow functions': (n) => `${'() => '.repeat(n)}1`,
  'arrow functions in parentheses': (n) => `${'(() => '.repeat(n)}1${')'.repeat(n)}`,
  templates: (n) => `${'`${'.repeat(n)}1${'}`'.repeat(n)}`,
  // A `/` is a division or a regular expression depending on what comes before it; brackets inside a
  // regular expression are not brackets.
  'calls around a regular expression with brackets': (n) => `${'f('.repeat(n)}/[(\\[{]/.source${')'.repeat(n)}`,
  'divisions of parentheses': (n) => `${'('.repeat(n)}64${' / 2)'.repeat(n)}`,
};

describe('code nested too deeply', async () => {
  const path = join(fixturesDir, 'analysis', 'deep.alamode.ts');
  const expected = ((await executeModule(path, module('0'))).default as Dag).analyse().outcomes.map((o) => [o.name, o.output]);

  for (const [name, make] of Object.entries(forms)) {
    for (const levels of [1000, 1500, 5000]) {
      test(`${levels} levels of ${name}: ${levels > 1500 ? 'a limit on the deep code, ' : ''}the other tasks keep their IDs`, () => {
        const text = module(make(levels));
        const deepStart = text.indexOf('const deep = ') + 'const deep = '.length;
        const deepEnd = text.indexOf(';\ndag.task(\'b\'');
        let internal: unknown;
        const analysis = analyseModule(text, `deep-${name}-${levels}.alamode.ts`, { fresh: true, onInternalError: (e) => { internal = e; } });
        assert.equal(internal, undefined);
        const limits = analysis.diagnostics.filter((d) => d.code === 'analysis-limit');
        // How deep the parser and the evaluator can go depends on the stack left where they are called:
        // beyond a few thousand levels neither can, whatever the caller.
        if (levels > 1500) assert.ok(limits.length > 0, 'an analysis-limit warning');
        for (const d of limits) assert.ok(d.range.start >= deepStart && d.range.end <= deepEnd, `the warning is on the deep expression, not at ${JSON.stringify(d.range)}`);
        const summary = summariseAnalysis(analysis.dags[0]!);
        assert.deepEqual(summary.tasks.map((t) => [t.name, t.output]), expected);
      });
    }
  }

  test('deep code that may change what the tasks see makes them unknown, never wrong', () => {
    // The deep code assigns `image` (a name it mentions): the tasks after it cannot know it.
    const text = module(`(${'[('.repeat(1000)}image = 'changed'${')]'.repeat(1000)})`).replace("const image", 'let image');
    const analysis = analyseModule(text, 'deep-assign.alamode.ts', { fresh: true });
    const summary = summariseAnalysis(analysis.dags[0]!);
    assert.deepEqual(summary.tasks.map((t) => [t.name, t.output !== undefined]), [['a', true], ['b', false]]);
  });
});
