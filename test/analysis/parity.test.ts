/**
 * The heart of the analysis' tests: what it says a module builds must be what running the module
 * builds. For modules it fully evaluates, every Dag must be equal (names, specs, inputs, outputs, meta);
 * for modules it only partly knows, every output ID it shows must be the runtime's (the cardinal rule).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { analyseModule } from '../../server/src/analysis/analyse';
import type { AnalysedDag, ModuleAnalysis } from '../../server/src/analysis/types';
import type { Dag } from '../../server/src/runtime/index';
import { fixturesDir } from '../support/paths';
import { assertNoWrongOutput, assertSameDag, executeModule, summariseAnalysis } from './execute';
import { generateLargeModule } from './generate';

const analysisFixtures = join(fixturesDir, 'analysis');

function analyseFile(path: string): { text: string; analysis: ModuleAnalysis } {
  const text = readFileSync(path, 'utf8');
  return { text, analysis: analyseModule(text, path, { fresh: true }) };
}

/** The export each analysed Dag is, by the variable it is bound to (or `default`). */
function exportName(dag: AnalysedDag): string | undefined {
  return dag.isDefaultExport ? 'default' : dag.variable;
}

const fullyStatic = [
  join(fixturesDir, 'pipelines', 'collage.alamode.ts'),
  join(analysisFixtures, 'loops.alamode.ts'),
  join(analysisFixtures, 'functions.alamode.ts'),
  join(analysisFixtures, 'values.alamode.ts'),
  join(analysisFixtures, 'mutation.alamode.ts'),
  join(analysisFixtures, 'control-flow.alamode.ts'),
  join(analysisFixtures, 'several-dags.alamode.ts'),
  join(analysisFixtures, 'collections.alamode.ts'),
];

describe('fully static modules: the analysis equals running the module', () => {
  for (const path of fullyStatic) {
    test(path.slice(fixturesDir.length + 1), async () => {
      const { analysis } = analyseFile(path);
      assert.deepEqual(analysis.diagnostics, [], 'a fully static module has no analysis diagnostics');
      assert.equal(analysis.hasSyntaxErrors, false);
      const defaults = analysis.dags.filter((d) => d.isDefaultExport);
      assert.equal(defaults.length, 1, 'exactly one Dag is the default export');
      const exports = await executeModule(path);
      let compared = 0;
      for (const dag of analysis.dags) {
        assert.equal(dag.tainted, undefined);
        const name = exportName(dag);
        const runtime = name === undefined ? undefined : (exports[name] as Dag | undefined);
        if (!runtime) continue; // a Dag the module does not export cannot be compared
        assertSameDag(dag, runtime);
        compared++;
      }
      assert.ok(compared >= 1);
    });
  }

  test('several-dags: every exported Dag is compared, the default one included', async () => {
    const { analysis } = analyseFile(join(analysisFixtures, 'several-dags.alamode.ts'));
    // nightly, hourly, backfill (default) and the two made by smallDag() (bound to `d` inside it).
    assert.deepEqual(analysis.dags.map((d) => [d.variable, d.isDefaultExport]), [
      ['nightly', false], ['hourly', false], ['backfill', true], ['d', false], ['d', false],
    ]);
    const exports = await executeModule(join(analysisFixtures, 'several-dags.alamode.ts'));
    assertSameDag(analysis.dags[3]!, exports.left as Dag);
    assertSameDag(analysis.dags[4]!, exports.right as Dag);
  });

  test('a generated module of 3,000 tasks', async () => {
    const text = generateLargeModule(3000);
    const analysis = analyseModule(text, 'large.alamode.ts', { fresh: true });
    assert.equal(analysis.dags[0]!.tasks.length, 3000);
    const runtime = (await executeModule(join(analysisFixtures, 'generated.alamode.ts'), text)).default as Dag;
    assertSameDag(analysis.dags[0]!, runtime);
  });
});

describe('partly static modules: every output shown is the runtime\'s', () => {
  test('not-static.alamode.ts, every exported Dag', async () => {
    const path = join(analysisFixtures, 'not-static.alamode.ts');
    const { analysis } = analyseFile(path);
    const exports = await executeModule(path);
    const shown: Record<string, number> = {};
    for (const dag of analysis.dags) {
      const name = exportName(dag)!;
      shown[name] = assertNoWrongOutput(dag, exports[name] as Dag);
    }
    // The default Dag keeps the outputs of the tasks nothing unknown reaches; so does the branching
    // one, for the task made whichever way the branch goes. The others are reached by code in another
    // module.
    assert.deepEqual(shown, { default: 3, monitored: 0, escaped: 0, retried: 0, deferred: 0, branching: 1, chosen: 0 });
    const known = summariseAnalysis(analysis.dags[0]!).tasks.filter((t) => t.output !== undefined).map((t) => t.name);
    assert.deepEqual(known, ['clean', 'publish', 'late_task']);
  });
});
