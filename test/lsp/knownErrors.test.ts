/**
 * An error is shown only where the analysis knows the problem holds when the module runs: a false error
 * is as bad as a wrong ID. Each case here is valid at run time, or valid on some runs, so it must show
 * no error (a warning saying what is not known is fine); each has a twin where the problem does hold,
 * which must show the error, so that the test would see one.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver-protocol';
import { fixturesDir } from '../support/paths';
import { startTestClient, type TestClient } from './lspClient';

let client: TestClient;
before(async () => { client = await startTestClient(); });
after(() => client.close());

let counter = 0;
/** The diagnostics of `code` opened as a pipeline module in a folder with no other files. */
async function diagnosticsOf(code: string): Promise<Diagnostic[]> {
  const path = join(fixturesDir, 'lsp', 'no-such-folder', `known-errors-${counter++}.alamode.ts`);
  const uri = await client.open(path, `import { Dag } from 'a-la-mode';\n${code}`);
  return client.diagnostics(uri);
}

const errors = (ds: readonly Diagnostic[]) => ds.filter((d) => d.severity === DiagnosticSeverity.Error).map((d) => `${d.code}: ${d.message}`);

describe('no false errors', () => {
  test('a Dag handed to code the analysis cannot read keeps its meta valid (issue 8)', async () => {
    const ds = await diagnosticsOf([
      "import { helper } from './common';",
      "const dag = new Dag({ schedule: '@daily', owner: 'data-eng' });",
      "dag.task('a', { image: 'x', sha: '1', command: 'c' });",
      'helper(dag);',
      'export default dag;',
    ].join('\n'));
    assert.deepEqual(errors(ds), []);
    assert.ok(ds.some((d) => d.code === 'not-static'), 'the module still says what it does not know');
  });

  test('a meta that is not static as a whole is not called a string', async () => {
    assert.deepEqual(errors(await diagnosticsOf("const dag = new Dag(JSON.parse(process.env.META ?? '{}'));\nexport default dag;")), []);
  });

  test('a problem in a Dag that code the analysis cannot see may change is not known', async () => {
    const ds = await diagnosticsOf([
      "import { fix } from 'some-package';",
      'const dag = new Dag();',
      "dag.task('a', { image: 'x' });",
      "dag.task('a', { image: 'y' });",
      "dag.task('b', { image: 'z' }).addDep('c');",
      'fix(dag);',
      'export default dag;',
    ].join('\n'));
    assert.deepEqual(errors(ds), []);
  });

  test('a task made on one branch only: its problems hold only on that branch', async () => {
    const ds = await diagnosticsOf([
      'const dag = new Dag();',
      "dag.task('a', { image: 'x' });",
      'if (process.env.EXTRA) {',
      "  dag.task('a', { image: 'again' });",
      "  dag.task('ratio', { image: 'x', ratio: 0.25 });",
      "  dag.task('late', { image: 'x' }).addDep('nowhere');",
      "  dag.task('c1', { image: 'x' }).addDep('c2');",
      "  dag.task('c2', { image: 'x' }).addDep('c1');",
      '}',
      'export default dag;',
    ].join('\n'));
    assert.deepEqual(errors(ds), []);
  });

  test('the same problems made unconditionally are errors', async () => {
    const ds = await diagnosticsOf([
      "import { fix } from 'some-package';",
      'const dag = new Dag();',
      "dag.task('a', { image: 'x' });",
      "dag.task('a', { image: 'again' });",
      "dag.task('ratio', { image: 'x', ratio: 0.25 });",
      "dag.task('late', { image: 'x' }).addDep('nowhere');",
      "dag.task('c1', { image: 'x' }).addDep('c2');",
      "dag.task('c2', { image: 'x' }).addDep('c1');",
      'fix(dag.meta);',
      'export default dag;',
    ].join('\n'));
    assert.deepEqual(errors(ds).map((e) => e.split(':')[0]).sort(), ['cycle', 'cycle', 'duplicate-task', 'invalid-value', 'missing-input']);
  });
});
