/**
 * Differential testing across modules (issue 8): each fixture module, split at random into a pipeline
 * module and a helper module it imports (which may import the pipeline back, a cycle), optionally
 * behind an `export *` index and with `.js` specifiers. The bundle runs the pieces in another order
 * than the original ran its statements, so the original's Dag is not the reference: running the split
 * repository is. Wherever the analysis shows an output ID, it must be the one running computes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import ts from 'typescript';
import { fixturesDir } from '../support/paths';
import { assertSameDag, summariseAnalysis } from './execute';
import { analyseIn, defaultDag, makeRepo, runIn } from './repo';
import { assertNoWrongOutput } from './execute';

const analysisFixtures = join(fixturesDir, 'analysis');
const sources = [
  join(fixturesDir, 'pipelines', 'collage.alamode.ts'),
  ...['loops', 'functions', 'values', 'mutation', 'control-flow', 'several-dags', 'not-static', 'coverage'].map((n) => join(analysisFixtures, `${n}.alamode.ts`)),
].map((path) => ({ path, text: readFileSync(path, 'utf8') }));
const helpersText = readFileSync(join(analysisFixtures, 'helpers.ts'), 'utf8');
const coverageLibText = readFileSync(join(analysisFixtures, 'coverage-lib.ts'), 'utf8');

/** Top-level names a statement declares. */
function declared(s: ts.Statement): string[] {
  if (ts.isVariableStatement(s)) return s.declarationList.declarations.flatMap((d) => namesOf(d.name));
  if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) && s.name) return [s.name.text];
  if (ts.isEnumDeclaration(s)) return [s.name.text];
  return [];
}
function namesOf(n: ts.BindingName): string[] {
  return ts.isIdentifier(n) ? [n.text] : n.elements.flatMap((e) => (ts.isOmittedExpression(e) ? [] : namesOf(e.name)));
}
/** Every identifier a statement mentions (an over-approximation of the names it uses). */
function mentioned(s: ts.Node, sf: ts.SourceFile): Set<string> {
  const out = new Set<string>();
  const visit = (n: ts.Node) => {
    if (ts.isIdentifier(n)) out.add(n.text);
    ts.forEachChild(n, visit);
  };
  visit(s);
  void sf;
  return out;
}

interface Split { readonly files: Record<string, string>; readonly moved: number }

/**
 * The fixture split: its first `prefix` statements move to lib/part.ts (which runs first, so the order
 * is the original's), and so do the functions with a set bit in `functions` (functions are hoisted, and
 * see the pipeline's bindings through the cycle); with `scatter`, any statement with a set bit moves
 * (the order changes, and the module often fails when it runs: those cases are skipped).
 */
function split(text: string, prefix: number, bits: readonly boolean[], scatter: boolean, viaIndex: boolean, jsSpecifiers: boolean): Split {
  const sf = ts.createSourceFile('pipeline.alamode.ts', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const imports = sf.statements.filter((s) => ts.isImportDeclaration(s));
  const body = sf.statements.filter((s) => !ts.isImportDeclaration(s) && !ts.isExportAssignment(s) && !ts.isExportDeclaration(s));
  const exportsOfPipeline = sf.statements.filter((s) => ts.isExportAssignment(s) || ts.isExportDeclaration(s));
  const bit = (i: number) => bits[i % bits.length] === true;
  const moving = body.filter((s, i) => (scatter ? bit(i) : i < prefix || (ts.isFunctionDeclaration(s) && bit(i))));
  const staying = body.filter((s) => !moving.includes(s));
  const movedNames = moving.flatMap(declared);
  const stayingNames = staying.flatMap(declared);
  const usedByPart = new Set(moving.flatMap((s) => [...mentioned(s, sf)]));
  const usedByPipeline = new Set([...staying, ...exportsOfPipeline].flatMap((s) => [...mentioned(s, sf)]));
  const fromPipeline = stayingNames.filter((n) => usedByPart.has(n));
  const fromPart = movedNames.filter((n) => usedByPipeline.has(n));
  const ext = jsSpecifiers ? '.js' : '';
  const exported = (s: ts.Statement) => (declared(s).length > 0 && !/^\s*export\b/.test(s.getText(sf)) ? `export ${s.getText(sf)}` : s.getText(sf));
  const importsFor = (users: Set<string>, prefix: string) => imports.filter((i) => {
    const clause = i.importClause;
    const nb = clause?.namedBindings;
    const names = [clause?.name?.text, ...(nb && ts.isNamedImports(nb) ? nb.elements.map((e) => e.name.text) : nb ? [nb.name.text] : [])];
    return names.some((n) => n !== undefined && users.has(n));
  }).map((i) => i.getText(sf).replace("'./helpers'", `'${prefix}helpers${ext}'`).replace("'./coverage-lib'", `'${prefix}coverage-lib${ext}'`));
  const part = [
    ...importsFor(usedByPart, '../'),
    fromPipeline.length ? `import { ${fromPipeline.join(', ')} } from '../pipeline.alamode${ext}';` : '',
    ...moving.map(exported),
  ].join('\n');
  const pipeline = [
    ...imports.map((i) => i.getText(sf)),
    fromPart.length ? `import { ${fromPart.join(', ')} } from './lib/${viaIndex ? `index${ext}` : `part${ext}`}';` : '',
    ...staying.map((s) => (fromPipeline.some((n) => declared(s).includes(n)) ? exported(s) : s.getText(sf))),
    ...exportsOfPipeline.map((s) => s.getText(sf)),
  ].join('\n');
  return {
    files: { 'pipeline.alamode.ts': `${pipeline}\n`, 'lib/part.ts': `${part}\n`, 'lib/index.ts': "export * from './part';\n", 'helpers.ts': helpersText, 'coverage-lib.ts': coverageLibText },
    moved: moving.length,
  };
}

test('random splits of the fixtures into modules: every output shown is the runtime\'s', async (t) => {
  let ran = 0;
  let shown = 0;
  /** Outputs shown in splits of the fixture with enums, classes, node:path and comparator sorts. */
  let coverageShown = 0;
  let fullyKnown = 0;
  await fc.assert(
    fc.asyncProperty(fc.nat(sources.length - 1), fc.nat(40), fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 4 }), fc.boolean(), fc.boolean(), async (which, prefix, bits, mode, viaIndex, js) => {
      const { files, moved } = split(sources[which]!.text, prefix, bits, mode === 0, viaIndex, js);
      if (moved === 0) return;
      const repo = makeRepo(files);
      try {
        const analysis = analyseIn(repo, 'pipeline.alamode.ts', files['pipeline.alamode.ts']!);
        const runtime = await runIn(repo, 'pipeline.alamode.ts');
        if (!runtime) return; // the split does not bundle or run (an import assigned, a binding read too early)
        ran++;
        const dag = defaultDag(analysis);
        const n = assertNoWrongOutput(dag, runtime);
        shown += n;
        if (sources[which]!.path.endsWith('coverage.alamode.ts')) coverageShown += n;
        const summary = summariseAnalysis(dag);
        if (summary.unknown.every((u) => u === undefined) && !dag.tainted && analysis.diagnostics.length === 0) {
          fullyKnown++;
          assertSameDag(dag, runtime);
        }
      } finally {
        repo.remove();
      }
    }),
    { numRuns: Number(process.env.SPLIT_RUNS ?? 80), seed: Number(process.env.SPLIT_SEED ?? 8080) },
  );
  t.diagnostic(`${ran} splits ran, ${fullyKnown} fully known, ${shown} outputs shown and checked (${coverageShown} of coverage.alamode.ts)`);
  assert.ok(ran > 20, `only ${ran} splits ran`);
  assert.ok(fullyKnown > 5, `only ${fullyKnown} splits were fully known`);
  assert.ok(shown > 100, `only ${shown} outputs were shown`);
  assert.ok(coverageShown > 10, `only ${coverageShown} outputs were shown in splits of coverage.alamode.ts`);
});
