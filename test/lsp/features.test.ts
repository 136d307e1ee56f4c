/**
 * Every language-server feature, through the LSP protocol, on fixture modules. Expected output IDs
 * come from the seed (../shared/conformance/collage.json) or from executing the module with the CLI.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CodeActionRequest,
  CodeLensRequest,
  CompletionRequest,
  DefinitionRequest,
  DocumentSymbolRequest,
  HoverRequest,
  PrepareRenameRequest,
  ReferencesRequest,
  RenameRequest,
  type CodeAction,
  type CompletionItem,
  type Diagnostic,
  type LocationLink,
  type MarkupContent,
} from 'vscode-languageserver-protocol';
import { alamode } from '../support/cli';
import { conformanceDir, fixturesDir } from '../support/paths';
import { startTestClient, type TestClient } from './lspClient';
import { applyEdits, positionOf, textAt } from './textUtil';

const vectors = JSON.parse(readFileSync(join(conformanceDir, 'collage.json'), 'utf8'));
const collagePath = join(fixturesDir, 'pipelines', 'collage.alamode.ts');
const problemsPath = join(fixturesDir, 'lsp', 'problems.alamode.ts');
const loopsPath = join(fixturesDir, 'lsp', 'loops.alamode.ts');
const collageText = readFileSync(collagePath, 'utf8');
const problemsText = readFileSync(problemsPath, 'utf8');

let client: TestClient;
// Every module this suite writes lives under one folder, removed at the end.
const scratch = mkdtempSync(join(tmpdir(), 'alamode-features-'));
before(async () => { client = await startTestClient(); });
after(async () => {
  await client.close();
  rmSync(scratch, { recursive: true, force: true });
});

const lenses = (uri: string) => client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
const hoverText = async (uri: string, text: string, snippet: string, inSnippet = 0, occurrence = 0) => {
  const h = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positionOf(text, snippet, inSnippet, occurrence) });
  return h ? (h.contents as MarkupContent).value : '';
};

/** Writes `text` as a module of its own (with `files` beside it) and opens it: the CLI can run it too. */
const openScratch = async (name: string, text: string, files: Record<string, string> = {}) => {
  const dir = mkdtempSync(join(scratch, 'module-'));
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
  const path = join(dir, `${name}.alamode.ts`);
  writeFileSync(path, text);
  return { path, uri: await client.open(path, text) };
};
const HEAD = "import { Dag, type Task } from 'a-la-mode';\nconst dag = new Dag({ name: 'p' });\n";

describe('code lenses', () => {
  test('while an addDep( is being typed, its task and those downstream say so; the others keep their IDs', async () => {
    const path = join(fixturesDir, 'pipelines', 'typing.alamode.ts');
    const typed = (s: string) => `${collageText}${s}\n`;
    const lensByTask = async (uri: string) => {
      const result = (await lenses(uri))!;
      // Each lens by the task named on the line of its dag.task call (lenses without an ID carry no name).
      const lines = collageText.split('\n');
      return Object.fromEntries(result.map((l) => [Object.keys(vectors.before.tasks).find((n) => lines[l.range.start.line]!.includes(`'${n}'`)) ?? '?', l.command!.title]));
    };
    const seedTitle = (name: string) => new RegExp(`^output ${(vectors.before.tasks[name] as { output: string }).output.slice(0, 12)} · `);
    const uri = await client.open(path, typed('blur.addDep(download'));
    const midway = await lensByTask(uri);
    assert.match(midway['download_images']!, seedTitle('download_images'));
    assert.match(midway['edge_enhance']!, seedTitle('edge_enhance'));
    assert.equal(midway['blur'], 'output unknown: not static: the code is incomplete here');
    assert.match(midway['collage']!, /^output unknown: input 'blur' has no output \(upstream 'blur': not static: the code is incomplete here\)$/);
    // Finished: adding an input blur already has changes nothing, so the seed's IDs are back.
    await client.change(uri, typed('blur.addDep(download);'));
    const done = await lensByTask(uri);
    for (const name of Object.keys(vectors.before.tasks)) assert.match(done[name]!, seedTitle(name));
  });

  test('a document opened again under the same URI and version number, with other text, gets that text\'s IDs', async () => {
    // Out of protocol (an open without a close), but some clients do it: no answer may come from the old text.
    const path = join(fixturesDir, 'pipelines', 'reopened.alamode.ts');
    const blurOf = async (uri: string) => (await lenses(uri))!.find((l) => l.command?.arguments?.[1] === 'blur')!.command!.arguments![0];
    const uri = await client.open(path, collageText);
    assert.equal(await blurOf(uri), vectors.before.tasks.blur.output);
    await client.open(path, collageText.replace("sha: '6f09d'", "sha: 'qwetr3'"));
    assert.equal(await blurOf(uri), vectors.after.tasks.blur.output);
  });

  test('one per task at its dag.task call, with the seed\'s output IDs and input counts', async () => {
    const uri = await client.open(collagePath);
    const result = (await lenses(uri))!;
    assert.equal(result.length, 4);
    for (const [name, task] of Object.entries(vectors.before.tasks) as [string, { output: string; inputs: object }][]) {
      const lens = result.find((l) => l.command?.arguments?.[1] === name);
      assert.ok(lens, `no lens for ${name}`);
      const n = Object.keys(task.inputs).length;
      assert.equal(lens.command!.title, `output ${task.output.slice(0, 12)} · ${n} input${n === 1 ? '' : 's'}`);
      assert.equal(lens.command!.command, 'alamode.copyOutputId');
      assert.deepEqual(lens.command!.arguments, [task.output, name]);
      // The lens sits on the `task` of this task's `dag.task(` call.
      assert.deepEqual(lens.range.start, positionOf(collageText, `dag.task('${name}'`, 4));
      assert.equal(textAt(collageText, lens.range), 'task');
    }
  });

  test('tasks made in a loop or map get their own lens at the shared call site, with IDs equal to the CLI\'s', async () => {
    const uri = await client.open(loopsPath);
    const result = (await lenses(uri))!;
    const cli = JSON.parse(alamode(['encode', loopsPath, '--json']).stdout);
    assert.equal(result.length, Object.keys(cli.tasks).length);
    const text = readFileSync(loopsPath, 'utf8');
    for (const [name, task] of Object.entries(cli.tasks) as [string, { output: string }][]) {
      const lens = result.find((l) => l.command?.arguments?.[1] === name);
      assert.ok(lens, `no lens for ${name}`);
      assert.equal(lens.command!.arguments![0], task.output);
      assert.match(lens.command!.title, new RegExp(`^(${name}: )?output ${task.output.slice(0, 12)}`));
    }
    const extractLenses = result.filter((l) => String(l.command?.arguments?.[1]).startsWith('extract_'));
    assert.equal(extractLenses.length, 3);
    assert.ok(extractLenses.every((l) => l.range.start.line === positionOf(text, 'dag.task(`extract_').line));
    assert.match(extractLenses[0]!.command!.title, /^extract_eu: output [0-9a-f]{12} · 0 inputs$/);
  });

  test('a dag.task call in code the analysis does not follow says why it has no ID, rather than showing nothing; other objects\' task methods (even named dag there) get no lens', async () => {
    const text = `${HEAD}const queue = { task: (name: string) => name };
for (const name of process.argv.slice(2)) {
  dag.task(name, { image: 'py' });
  queue.task(name);
}
function helper(d: Dag) { d.task('never_called', {}); }
for (const other of process.argv) {
  const dag = { task: (name: string, spec: object) => [name, spec] };
  dag.task(other, {});
}
process.argv.map(() => ({ task: (name: string) => name })).forEach((dag) => dag.task('x'));
dag.task('after', { image: 'py' });
export default dag;
`;
    const { path, uri } = await openScratch('unfollowed', text);
    const result = (await lenses(uri))!;
    const titleAt = (snippet: string) => result.filter((l) => l.range.start.line === positionOf(text, snippet).line).map((l) => l.command!.title);
    const why = 'the loop runs over process.argv.slice(2), which is not static';
    assert.deepEqual(titleAt('dag.task(name'), [`output unknown: not static: ${why} (process.argv.slice(2) is computed at run time)`]);
    assert.deepEqual(result.find((l) => l.range.start.line === positionOf(text, 'dag.task(name').line)!.range.start, positionOf(text, 'task(name'));
    assert.match(titleAt("dag.task('after'")[0]!, new RegExp(`^output unknown: not static: ${why.replace(/[().]/g, '\\$&')}`));
    assert.deepEqual(titleAt('queue.task('), []);
    assert.deepEqual(titleAt("d.task('never_called'"), [], 'a function that never runs makes no task');
    assert.deepEqual(titleAt('dag.task(other'), [], 'a dag declared in the code not followed is not the Dag');
    assert.deepEqual(titleAt("dag.task('x'"), [], 'nor is a callback parameter named dag');
    assert.equal(result.length, 2);
    assert.match(await hoverText(uri, text, 'dag.task(name', 5), new RegExp(`^\\*\\*tasks made here\\*\\* · output unknown: not static: ${why.replace(/[().]/g, '\\$&')}`));
    // Not an error: the module runs, making one task per argument.
    assert.deepEqual((await client.diagnostics(uri)).filter((d) => d.severity === 1), []);
    assert.equal(alamode(['check', path]).status, 0);
  });

  test('dag.task on a Dag the analysis does not model (a subclass with fields of its own) says why at each call, rather than nothing', async () => {
    const text = "import { Dag } from 'a-la-mode';\nclass TeamDag extends Dag {\n  image = 'py:3.12';\n}\nconst dag = new TeamDag({ name: 'team' });\ndag.task('load', { image: dag.image });\ndag.task('clean', { image: 'py' }).addDep('load');\nconst gulp: any = process.env.NEVER_SET;\nif (gulp) gulp.task('build', () => 1);\nexport default dag;\n";
    const { path, uri } = await openScratch('subclass', text);
    const titles = (await lenses(uri))!.map((l) => [l.range.start.line, l.command!.title]);
    assert.deepEqual(titles, [5, 6].map((line) => [line, 'output unknown: not static: new TeamDag({ name: \'team\' }) constructs an object the analysis does not model']));
    assert.equal(alamode(['check', path]).status, 0);
  });

  test('a task without an output says why, and unaffected tasks keep their IDs', async () => {
    const uri = await client.open(problemsPath);
    const result = (await lenses(uri))!;
    const titleAt = (snippet: string) => result.filter((l) => l.range.start.line === positionOf(problemsText, snippet).line).map((l) => l.command!.title);
    assert.deepEqual(titleAt("dag.task('a'"), ['no output: in a cycle: a → b → c → a']);
    assert.deepEqual(titleAt("dag.task('report'"), ["no output: input 'claen' names no task"]);
    assert.match(titleAt("dag.task('sample'")[0]!, /^no output: task 'sample': spec\.ratio is 0\.25, but bencode has no floats/);
    assert.deepEqual(titleAt("dag.task('reserved'"), ['no output: spec.output is reserved']);
    assert.match(titleAt("dag.task('stamped'")[0]!, /^output unknown: not static: /);
    assert.match(titleAt("dag.task('publish'")[0]!, /^output unknown: input 'stamped' has no output/);
    assert.equal(titleAt("dag.task('fetch'")[0], 'no output: the task name is defined more than once');
    // Lenses without an ID are labels: no command to run.
    assert.ok(result.filter((l) => !l.command!.arguments).every((l) => l.command!.command === ''));
  });
});

describe('hover', () => {
  test('on a variable holding a task: the full ID, each input with its ID, the hashed spec, what changes it', async () => {
    const uri = await client.open(collagePath);
    const text = await hoverText(uri, collageText, 'blur.addDep(download)', 1);
    assert.match(text, new RegExp(`\\*\\*blur\\*\\* · output \`${vectors.before.tasks.blur.output}\``));
    assert.match(text, new RegExp(`\\| download_images \\| \`${vectors.before.tasks.download_images.output.slice(0, 12)}\` \\|`));
    assert.match(text, /"sha": "6f09d"/);
    assert.match(text, /Changes when its spec or inputs change, or when any of its 1 upstream task changes \(download_images\)/);
    // No store here: nothing about records, and nothing that contradicts the ID.
    assert.doesNotMatch(text, /no output|output unknown|[Bb]uilt|will run/);
  });

  test('on a dependency inside addDep(...) and on the task name literal', async () => {
    const uri = await client.open(collagePath);
    const onDep = await hoverText(uri, collageText, 'addDep(blur, edgeEnhance)', 'addDep(blur, '.length + 2);
    assert.match(onDep, new RegExp(`\\*\\*edge_enhance\\*\\* · output \`${vectors.before.tasks.edge_enhance.output}\``));
    const onName = await hoverText(uri, collageText, "dag.task('collage'", "dag.task('".length + 2);
    assert.match(onName, new RegExp(`\\*\\*collage\\*\\* · output \`${vectors.before.tasks.collage.output}\``));
  });

  test('on a task whose output is unknown: says so and why', async () => {
    const uri = await client.open(problemsPath);
    const text = await hoverText(uri, problemsText, "dag.task('stamped'", "dag.task('".length);
    assert.match(text, /\*\*stamped\*\* · output unknown: not static: /);
  });
});

describe('diagnostics', () => {
  let diagnostics: Diagnostic[];
  before(async () => {
    diagnostics = await client.diagnostics(await client.open(problemsPath));
  });
  const withCode = (code: string) => diagnostics.filter((d) => d.code === code);

  test('all come from alamode', () => {
    assert.ok(diagnostics.length > 0);
    assert.ok(diagnostics.every((d) => d.source === 'alamode'));
  });

  test('cycle: an error on each addDep edge, naming the whole path, related info pointing at the other edges', () => {
    const cycle = withCode('cycle');
    assert.deepEqual(cycle.map((d) => textAt(problemsText, d.range)).sort(), ['a', 'b', 'c']);
    for (const d of cycle) {
      assert.equal(d.severity, 1);
      assert.match(String(d.message), /^cycle: a → b → c → a/);
      assert.equal(d.relatedInformation?.length, 2);
    }
  });

  test('missing-input on the name literal, with a suggestion', () => {
    const [d] = withCode('missing-input');
    assert.equal(textAt(problemsText, d!.range), 'claen');
    assert.equal(d!.message, "task 'report': input 'claen' names no task (did you mean 'clean'?)");
  });

  test('invalid-value on the offending property, naming key and value', () => {
    const [d] = withCode('invalid-value');
    assert.equal(textAt(problemsText, d!.range), 'ratio: 0.25');
    assert.equal(d!.message, "task 'sample': spec.ratio is 0.25, but bencode has no floats (use an integer or a string)");
  });

  test('reserved-key on the property', () => {
    const [d] = withCode('reserved-key');
    assert.equal(textAt(problemsText, d!.range), "output: 's3://bucket'");
  });

  test('duplicate-task on the second definition, related to the first', () => {
    const [d] = withCode('duplicate-task');
    assert.equal(d!.range.start.line, positionOf(problemsText, "dag.task('fetch', { image: 'etl', sha: 'b2'").line);
    assert.equal(d!.relatedInformation?.[0]?.location.range.start.line, positionOf(problemsText, "dag.task('fetch'").line);
  });

  test('not-static: a warning on exactly the expression read at run time', () => {
    const [d] = withCode('not-static');
    assert.equal(d!.severity, 2);
    assert.equal(textAt(problemsText, d!.range), 'process.env.GIT_SHA');
  });

  test('a problem of a Dag nothing encodes is a warning; one the module encodes itself, or exports by default, an error', async () => {
    const scratch = "const scratch = new Dag({ name: 'scratch' });\nscratch.task('a', { ratio: 0.5 });\n";
    const tail = "dag.task('b', { image: 'i' });\nexport default dag;\n";
    const cases = [
      { name: 'unencoded', text: `${HEAD}${scratch}${tail}`, severity: 2, runs: true },
      { name: 'encoded-here', text: `${HEAD}${scratch}dag.task('b', { image: 'i' });\nscratch.encode();\nexport default dag;\n`, severity: 1, runs: false },
      // What the encoding is handed to cannot change the Dag (it is a copy), so the problem stays known.
      { name: 'encoded-and-printed', text: `${HEAD}${scratch}dag.task('b', { image: 'i' });\nconsole.log(JSON.stringify(scratch.encode()));\nexport default dag;\n`, severity: 1, runs: false },
      { name: 'saved-through-bencode', text: `import { writeFileSync } from 'node:fs';\n${HEAD}${scratch}dag.task('b', { image: 'i' });\nwriteFileSync('/dev/null', scratch.bencode());\nexport default dag;\n`, severity: 1, runs: false },
      // The problem comes after the encoding, which did not see it.
      { name: 'changed-after-encoding', text: `${HEAD}const scratch = new Dag({ name: 'scratch' });\nscratch.task('ok', {});\nscratch.encode();\nscratch.task('a', { ratio: 0.5 });\n${tail}`, severity: 2, runs: true },
      { name: 'encoded-by-a-function-never-called', text: `${HEAD}${scratch}export function publish() { return scratch.encode(); }\n${tail}`, severity: 2, runs: true },
      { name: 'exported', text: `${HEAD}${scratch}${tail.replace('export default dag', 'export default scratch')}`, severity: 1, runs: false },
    ];
    for (const { name, text, severity, runs } of cases) {
      const { path, uri } = await openScratch(name, text);
      const invalid = (await client.diagnostics(uri)).filter((d) => d.code === 'invalid-value');
      assert.equal(invalid.length, 1, name);
      assert.equal(textAt(text, invalid[0]!.range), 'ratio: 0.5', name);
      assert.equal(invalid[0]!.severity, severity, name);
      if (severity === 2) assert.match(String(invalid[0]!.message), /neither exports this Dag by default nor encodes it/, name);
      // The severity says whether the module fails when it runs: the CLI runs it.
      assert.equal(alamode(['check', path]).status === 0, runs, name);
    }
    // A pipeline that imports another module's Dag (its own default export there) does not encode it.
    const base = "import { Dag } from 'a-la-mode';\nconst base = new Dag({ name: 'base' });\nbase.task('a', { ratio: 0.5 });\nexport default base;\n";
    const text = `${HEAD}import base from './base.alamode';\ndag.task('b', { image: 'i', from: base.meta.name as string });\nexport default dag;\n`;
    const { path, uri } = await openScratch('imports-base', text, { 'base.alamode.ts': base });
    const invalid = (await client.diagnostics(uri)).filter((d) => d.code === 'invalid-value');
    assert.deepEqual(invalid.map((d) => d.severity), [2]);
    assert.equal(alamode(['check', path]).status, 0);
  });

  test('a module whose exported Dag the analysis cannot follow (a Dag subclass with a field of its own) says so, instead of showing nothing', async () => {
    const text = "import { Dag, type Task } from 'a-la-mode';\nclass PyDag extends Dag {\n  image = 'python';\n  py(name: string): Task {\n    return this.task(name, { image: this.image });\n  }\n}\nconst dag = new PyDag();\ndag.py('a');\nexport default dag;\n";
    const { uri } = await openScratch('dag-subclass', text);
    const [warning, ...rest] = await client.diagnostics(uri);
    assert.deepEqual(rest, []);
    assert.equal(warning!.severity, 2);
    assert.match(String(warning!.message), /^the Dag this module exports is not known: /);
    assert.equal(textAt(text, warning!.range), 'new PyDag()');
    assert.deepEqual(await lenses(uri), []);
  });

  test('a clean module has none, and fixing a problem clears it', async () => {
    assert.deepEqual(await client.diagnostics(await client.open(collagePath)), []);
    const uri = await client.open(join(fixturesDir, 'lsp', 'typo.alamode.ts'), problemsText);
    await client.change(uri, problemsText.replace("addDep('claen')", "addDep('clean')"));
    const after = await client.diagnostics(uri);
    assert.equal(after.filter((d) => d.code === 'missing-input').length, 0);
  });
});

describe('navigation', () => {
  test('go to definition from a variable and from a name string lands on the dag.task call', async () => {
    const uri = await client.open(collagePath);
    const [link] = (await client.connection.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: positionOf(collageText, 'blur.addDep(download)', 'blur.addDep('.length + 1) })) as LocationLink[];
    assert.equal(textAt(collageText, link!.targetSelectionRange), 'download_images');
    assert.match(textAt(collageText, link!.targetRange), /^dag\.task\('download_images'/);

    const puri = await client.open(problemsPath);
    const [link2] = (await client.connection.sendRequest(DefinitionRequest.type, { textDocument: { uri: puri }, position: positionOf(problemsText, 'addDep(stamped, clean)', 'addDep(stamped, '.length + 1) })) as LocationLink[];
    assert.equal(textAt(problemsText, link2!.targetSelectionRange), 'clean');
  });

  test('find references of a task: its definition, variables and name strings', async () => {
    const uri = await client.open(collagePath);
    const refs = (await client.connection.sendRequest(ReferencesRequest.type, { textDocument: { uri }, position: positionOf(collageText, "'blur'", 1), context: { includeDeclaration: true } }))!;
    const texts = refs.map((r) => textAt(collageText, r.range).replace(/'/g, ''));
    assert.ok(texts.includes('blur'));
    // The definition literal, `blur.addDep(download)` and `addDep(blur, edgeEnhance)`.
    assert.ok(refs.length >= 3, JSON.stringify(texts));
  });

  test('rename a task: its name literal and every string reference change together', async () => {
    const text = "import { Dag } from 'a-la-mode';\nconst dag = new Dag();\nconst x = dag.task('extract', {});\ndag.task('load', {}).addDep('extract');\ndag.get('extract');\nexport default dag;\n";
    const uri = await client.open(join(fixturesDir, 'lsp', 'rename.alamode.ts'), text);
    const position = positionOf(text, "'extract'", 2);
    const prepared = await client.connection.sendRequest(PrepareRenameRequest.type, { textDocument: { uri }, position });
    assert.ok(prepared && 'range' in prepared);
    assert.equal(textAt(text, prepared.range), 'extract');
    const edit = (await client.connection.sendRequest(RenameRequest.type, { textDocument: { uri }, position, newName: 'extract_all' }))!;
    const renamed = applyEdits(text, edit.changes![uri]!);
    assert.equal(renamed, text.replaceAll("'extract'", "'extract_all'"));
  });

  test('rename refuses, naming the place, when a call names the task through a value it cannot edit; references list that place', async () => {
    const head = "import { Dag } from 'a-la-mode';\nconst dag = new Dag();\ndag.task('extract', {});\n";
    const cases = [
      { uses: "const nm = 'extract';\ndag.task('load', {}).addDep(dag.get(nm));\n", shown: '`nm` on line 5' },
      { uses: "const names = ['extract'];\ndag.task('load', {}).addDep(...names);\n", shown: '`...names` on line 5' },
      { uses: "const SRC = { e: 'extract' } as const;\ndag.task('load', {}).addDep(SRC.e);\n", shown: '`SRC.e` on line 5' },
    ];
    for (const [i, { uses, shown }] of cases.entries()) {
      const text = `${head}${uses}export default dag;\n`;
      const uri = await client.open(join(fixturesDir, 'lsp', `rename-computed-${i}.alamode.ts`), text);
      const position = positionOf(text, "'extract'", 2);
      const refusal = new RegExp(`'extract' is also named by ${shown.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, which rename cannot change`);
      await assert.rejects(client.connection.sendRequest(PrepareRenameRequest.type, { textDocument: { uri }, position }), refusal);
      // A client that renames without preparing gets the same answer, and no edit that would break the module.
      await assert.rejects(client.connection.sendRequest(RenameRequest.type, { textDocument: { uri }, position, newName: 'extract_v2' }), refusal);
      const refs = (await client.connection.sendRequest(ReferencesRequest.type, { textDocument: { uri }, position, context: { includeDeclaration: true } }))!;
      assert.equal(refs.length, 2, uses);
    }
    // A name inside an argument whose value is not known: which task it names is not known either.
    for (const [i, uses] of ["dag.task('load', {}).addDep(process.env.DEP ?? 'extract');\n", "dag.task('load', {}).addDep(dag.get(process.env.X ? 'extract' : 'load'));\n"].entries()) {
      const text = `${head}${uses}export default dag;\n`;
      const uri = await client.open(join(fixturesDir, 'lsp', `rename-nested-${i}.alamode.ts`), text);
      await assert.rejects(
        client.connection.sendRequest(RenameRequest.type, { textDocument: { uri }, position: positionOf(text, "'extract'", 2), newName: 'extract_v2' }),
        /'extract' is also named by `(process\.env\.DEP \?\? 'extract'|process\.env\.X \? 'extract' : 'load')` on line 4, which rename cannot change/,
      );
    }
    // A literal in parentheses or with `as const` is the literal as written: renamed like any other.
    const wrapped = "import { Dag } from 'a-la-mode';\nconst dag = new Dag();\ndag.task('extract' as const, {});\ndag.task('load', {}).addDep(('extract'));\nexport default dag;\n";
    const wrappedUri = await client.open(join(fixturesDir, 'lsp', 'rename-wrapped.alamode.ts'), wrapped);
    const wrappedEdit = (await client.connection.sendRequest(RenameRequest.type, { textDocument: { uri: wrappedUri }, position: positionOf(wrapped, "'extract'", 2), newName: 'extract_v2' }))!;
    assert.equal(applyEdits(wrapped, wrappedEdit.changes![wrappedUri]!), wrapped.replaceAll("'extract'", "'extract_v2'"));
    // A literal of a DSL call inside another's argument is a reference like any other: no refusal.
    const nestedCall = `${head}dag.task('load', {}).addDep(dag.get('extract'));\nexport default dag;\n`;
    const nestedUri = await client.open(join(fixturesDir, 'lsp', 'rename-nested-call.alamode.ts'), nestedCall);
    const renamed = (await client.connection.sendRequest(RenameRequest.type, { textDocument: { uri: nestedUri }, position: positionOf(nestedCall, "'extract'", 2), newName: 'extract_v2' }))!;
    assert.equal(applyEdits(nestedCall, renamed.changes![nestedUri]!), nestedCall.replaceAll("'extract'", "'extract_v2'"));
    // A helper in another module that names the task through a value: the refusal names its file.
    const helper = "import type { Dag } from 'a-la-mode';\nexport function wire(dag: Dag, from: string) {\n  dag.get('load').addDep(from);\n}\n";
    const text = `${head}dag.task('load', {});\nimport { wire } from './wire';\nwire(dag, 'extract');\nexport default dag;\n`;
    const { uri } = await openScratch('rename-computed-helper', text, { 'wire.ts': helper });
    await assert.rejects(
      client.connection.sendRequest(PrepareRenameRequest.type, { textDocument: { uri }, position: positionOf(text, "'extract'", 2) }),
      /'extract' is also named by `from` on line 3 of wire\.ts, which rename cannot change/,
    );
  });

  test('rename of a task another open pipeline shares (it imports the Dag): its references change too, and both modules run', async () => {
    const p = "import { Dag } from 'a-la-mode';\nconst dag = new Dag({ name: 'p' });\ndag.task('extract', {});\ndag.task('load', {}).addDep('extract');\nexport default dag;\n";
    const q = "import dag from './p.alamode';\ndag.task('report', {}).addDep('extract', 'load');\nexport default dag;\n";
    const { path: qPath, uri: qUri } = await openScratch('q', q, { 'p.alamode.ts': p });
    await client.diagnostics(qUri); // analysed: the server knows q reads p
    const pPath = join(dirname(qPath), 'p.alamode.ts');
    const pUri = await client.open(pPath, p);
    const edit = (await client.connection.sendRequest(RenameRequest.type, { textDocument: { uri: pUri }, position: positionOf(p, "'extract'", 2), newName: 'extract_v2' }))!;
    assert.deepEqual(Object.keys(edit.changes!).sort(), [pUri, qUri].sort());
    const [pFixed, qFixed] = [applyEdits(p, edit.changes![pUri]!), applyEdits(q, edit.changes![qUri]!)];
    assert.equal(pFixed, p.replaceAll("'extract'", "'extract_v2'"));
    assert.equal(qFixed, q.replace("'extract'", "'extract_v2'"));
    writeFileSync(pPath, pFixed);
    writeFileSync(qPath, qFixed);
    assert.equal(alamode(['check', pPath]).status, 0);
    assert.equal(alamode(['check', qPath]).status, 0);
    // A reader that names the task through a value: refused, naming the reader.
    const q2 = "import dag from './p.alamode';\nconst nm = 'extract_v2';\ndag.task('report', {}).addDep(dag.get(nm));\nexport default dag;\n";
    await client.change(qUri, q2);
    await client.diagnostics(qUri);
    await client.change(pUri, pFixed);
    await assert.rejects(
      client.connection.sendRequest(PrepareRenameRequest.type, { textDocument: { uri: pUri }, position: positionOf(pFixed, "'extract_v2'", 2) }),
      /'extract_v2' is also named by `nm` on line 3 of q\.alamode\.ts, which rename cannot change/,
    );
  });

  test('rename reaches the pipelines of the workspace that share the Dag though none is open (not those under node_modules), and every module still runs', async () => {
    const root = mkdtempSync(join(scratch, 'rename-workspace-'));
    const p = "import { Dag } from 'a-la-mode';\nconst dag = new Dag({ name: 'p' });\ndag.task('extract', {});\nexport default dag;\n";
    const q = "import dag from '../p.alamode';\ndag.task('report', {}).addDep('extract');\nexport default dag;\n";
    const other = "import { Dag } from 'a-la-mode';\nconst dag = new Dag();\ndag.task('extract', {});\nexport default dag;\n";
    const files: Record<string, string> = { 'p.alamode.ts': p, 'reports/q.alamode.ts': q, 'other.alamode.ts': other, 'node_modules/vendored/v.alamode.ts': "import dag from '../../p.alamode';\ndag.get('extract');\n" };
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), text);
    }
    const workspaceClient = await startTestClient({ workspaceFolders: [root] });
    try {
      const pUri = await workspaceClient.open(join(root, 'p.alamode.ts'), p);
      const position = positionOf(p, "'extract'", 2);
      const prepared = await workspaceClient.connection.sendRequest(PrepareRenameRequest.type, { textDocument: { uri: pUri }, position });
      assert.ok(prepared && 'placeholder' in prepared && prepared.placeholder === 'extract');
      const edit = (await workspaceClient.connection.sendRequest(RenameRequest.type, { textDocument: { uri: pUri }, position, newName: 'extract_v2' }))!;
      const qUri = pathToFileURL(join(root, 'reports', 'q.alamode.ts')).href;
      assert.deepEqual(Object.keys(edit.changes!).sort(), [pUri, qUri].sort());
      writeFileSync(join(root, 'p.alamode.ts'), applyEdits(p, edit.changes![pUri]!));
      writeFileSync(join(root, 'reports', 'q.alamode.ts'), applyEdits(q, edit.changes![qUri]!));
      assert.equal(readFileSync(join(root, 'reports', 'q.alamode.ts'), 'utf8'), q.replace("'extract'", "'extract_v2'"));
      for (const file of ['p.alamode.ts', 'reports/q.alamode.ts', 'other.alamode.ts']) assert.equal(alamode(['check', join(root, file)]).status, 0, file);
    } finally {
      workspaceClient.close();
    }
  });

  test('rename and references reach name literals in code the module never runs (a helper exported for another module)', async () => {
    const text = [
      "import { Dag, type Task } from 'a-la-mode';",
      'const dag = new Dag();',
      "dag.task('extract', {});",
      "dag.task('load', {}).addDep('extract');",
      '// Called from another module, never here:',
      "export function wire(d: Dag, t: Task) { t.addDep('extract', 'load'); return d.get('extract'); }",
      "const unrelated = new Map<string, number>(); // not a Dag, but a .get('extract') that runs: it stays",
      "unrelated.get('extract');",
      "const label = 'extract';",
      'export default dag;',
      '',
    ].join('\n');
    const uri = await client.open(join(fixturesDir, 'lsp', 'rename-helper.alamode.ts'), text);
    const position = positionOf(text, "'extract'", 2);
    const refs = (await client.connection.sendRequest(ReferencesRequest.type, { textDocument: { uri }, position, context: { includeDeclaration: true } }))!;
    // The definition, the run addDep, and the helper's addDep and get.
    assert.equal(refs.length, 4, JSON.stringify(refs.map((r) => r.range.start)));
    const edit = (await client.connection.sendRequest(RenameRequest.type, { textDocument: { uri }, position, newName: 'extract_all' }))!;
    const renamed = applyEdits(text, edit.changes![uri]!);
    const expected = text
      .replace("dag.task('extract'", "dag.task('extract_all'")
      .replace("addDep('extract');", "addDep('extract_all');")
      .replace("t.addDep('extract', 'load')", "t.addDep('extract_all', 'load')")
      .replace("d.get('extract')", "d.get('extract_all')");
    assert.equal(renamed, expected);
    assert.ok(renamed.includes("const label = 'extract';") && renamed.includes("unrelated.get('extract');"));
    // Hover and go to definition work there too.
    const inHelper = positionOf(text, "t.addDep('extract'", "t.addDep('ex".length);
    const lensId = (await lenses(uri))!.find((l) => l.command?.arguments?.[1] === 'extract')!.command!.arguments![0] as string;
    const hover = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: inHelper });
    assert.ok((hover!.contents as MarkupContent).value.includes(lensId));
    const definition = (await client.connection.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: inHelper })) as LocationLink[];
    assert.deepEqual(definition[0]!.targetSelectionRange.start, positionOf(text, "dag.task('extract'", "dag.task('".length));
  });

  test('completion of task names inside addDep(\'…\') and dag.get(\'…\')', async () => {
    const text = "import { Dag } from 'a-la-mode';\nconst dag = new Dag();\ndag.task('extract', {});\ndag.task('transform', {});\ndag.task('load', {}).addDep('');\nexport default dag;\n";
    const uri = await client.open(join(fixturesDir, 'lsp', 'complete.alamode.ts'), text);
    const items = (await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: positionOf(text, "addDep('')", "addDep('".length) })) as CompletionItem[];
    assert.deepEqual(items.map((i) => i.label).sort(), ['extract', 'load', 'transform']);
    assert.match(items.find((i) => i.label === 'extract')!.detail!, /^output [0-9a-f]{12}$/);
  });

  test('completion of task names in code the module never runs (a helper), even before the quote is closed', async () => {
    const head = "import { Dag, type Task } from 'a-la-mode';\nconst dag = new Dag();\ndag.task('extract', {});\ndag.task('load', {});\nexport default dag;\n";
    const uri = await client.open(join(fixturesDir, 'lsp', 'complete-helper.alamode.ts'), `${head}export function wire(t: Task) { t.addDep('ex'); }\n`);
    for (const text of [`${head}export function wire(t: Task) { t.addDep('ex'); }\n`, `${head}export function wire(t: Task) { t.addDep('ex`]) {
      await client.change(uri, text);
      const items = (await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: positionOf(text, "addDep('ex", "addDep('ex".length) })) as CompletionItem[];
      assert.deepEqual(items.map((i) => i.label).sort(), ['extract', 'load'], text);
    }
  });

  test('document symbols: the DAG and its tasks with their output IDs', async () => {
    const uri = await client.open(collagePath);
    const symbols = (await client.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } })) as { name: string; detail?: string }[];
    assert.deepEqual(symbols.map((s) => s.name), ['dag', 'download_images', 'blur', 'edge_enhance', 'collage']);
    assert.equal(symbols.find((s) => s.name === 'blur')!.detail, vectors.before.tasks.blur.output.slice(0, 12));
  });
});

describe('quick fixes', () => {
  const actionsFor = async (uri: string, diagnostics: Diagnostic[]) =>
    (await client.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: diagnostics[0]!.range, context: { diagnostics } })) as CodeAction[];

  test('a missing input: use the suggested name, or create a stub task; either clears the error', async () => {
    const uri = await client.open(join(fixturesDir, 'lsp', 'fix-missing.alamode.ts'), problemsText);
    const missing = (await client.diagnostics(uri)).filter((d) => d.code === 'missing-input');
    const actions = await actionsFor(uri, missing);
    assert.deepEqual(actions.map((a) => a.title), ["Change 'claen' to 'clean'", "Create task 'claen'"]);
    for (const action of actions) {
      await client.change(uri, applyEdits(problemsText, action.edit!.changes![uri]!));
      const after = await client.diagnostics(uri);
      assert.equal(after.filter((d) => d.code === 'missing-input').length, 0, action.title);
    }
  });

  test('a cycle: remove the addDep that closes it, and the cycle is gone', async () => {
    const uri = await client.open(join(fixturesDir, 'lsp', 'fix-cycle.alamode.ts'), problemsText);
    const cycle = (await client.diagnostics(uri)).filter((d) => d.code === 'cycle');
    const actions = await actionsFor(uri, cycle);
    const preferred = actions.filter((a) => a.isPreferred);
    assert.equal(preferred.length, 1);
    assert.equal(preferred[0]!.title, 'Remove a.addDep(c) to break the cycle');
    const fixed = applyEdits(problemsText, preferred[0]!.edit!.changes![uri]!);
    assert.ok(!fixed.includes('a.addDep(c);'));
    await client.change(uri, fixed);
    assert.equal((await client.diagnostics(uri)).filter((d) => d.code === 'cycle').length, 0);
  });

  test('a cycle made through a shared helper shows on the call that closes it, and no fix rewrites the helper', async () => {
    const text = `${HEAD}const link = (x: Task, y: Task) => { x.addDep(y); };\nconst a = dag.task('a', {});\nconst b = dag.task('b', {});\nconst z = dag.task('z', {});\nlink(z, a);\nlink(a, b);\nlink(b, a);\nexport default dag;\n`;
    const { path, uri } = await openScratch('helper-cycle', text);
    assert.notEqual(alamode(['check', path]).status, 0, 'the module really has a cycle');
    const cycle = (await client.diagnostics(uri)).filter((d) => d.code === 'cycle');
    assert.deepEqual(cycle.map((d) => textAt(text, d.range)).sort(), ['link(a, b)', 'link(b, a)']);
    for (const d of cycle) assert.ok(d.relatedInformation!.some((r) => /is added here$/.test(r.message) && textAt(text, r.location.range) === 'y'), String(d.message));
    // Removing the helper's `x.addDep(y)` would drop z's input too: only a fix for this edge alone may be offered.
    const actions = await actionsFor(uri, cycle);
    assert.deepEqual(actions, []);
  });

  test('a cycle closed inside a helper the module exports: no fix rewrites it (other modules may call it)', async () => {
    const helpers = [
      'export function link(x: Task, y: Task) {\n  x.addDep(y);\n}\n',
      'const link = (x: Task, y: Task) => {\n  x.addDep(y);\n};\nexport { link };\n',
    ];
    for (const [i, helper] of helpers.entries()) {
      const text = `${HEAD}${helper}const a = dag.task('a', {});\nconst b = dag.task('b', {});\na.addDep(b);\nlink(b, a);\nexport default dag;\n`;
      const { uri } = await openScratch(`exported-helper-cycle-${i}`, text);
      const cycle = (await client.diagnostics(uri)).filter((d) => d.code === 'cycle');
      assert.equal(cycle.length, 2, text);
      const titles = (await actionsFor(uri, cycle)).map((a) => a.title);
      assert.deepEqual(titles, ['Remove a.addDep(b) to break the cycle'], text);
    }
  });

  test('a cycle through a spread is not fixed by deleting the spread; the edge written alone is', async () => {
    const text = `${HEAD}const a = dag.task('a', {});\nconst b = dag.task('b', {});\nconst upstream = [b];\na.addDep(...upstream);\nb.addDep(a);\nexport default dag;\n`;
    const { path, uri } = await openScratch('spread-cycle', text);
    const cycle = (await client.diagnostics(uri)).filter((d) => d.code === 'cycle');
    const actions = await actionsFor(uri, cycle);
    assert.deepEqual(actions.map((a) => a.title), ['Remove b.addDep(a) to break the cycle']);
    const fixed = applyEdits(text, actions[0]!.edit!.changes![uri]!);
    assert.ok(fixed.includes('a.addDep(...upstream);') && !fixed.includes('b.addDep(a)'), fixed);
    writeFileSync(path, fixed);
    assert.equal(alamode(['check', path]).status, 0, 'the fixed module passes the CLI');
  });

  test('a missing input named in a loop: one stub, before the loop, and the module then runs', async () => {
    const text = `${HEAD}const a = dag.task('a', {});\nconst b = dag.task('b', {});\nfor (const t of [a, b]) {\n  t.addDep('shared');\n}\nexport default dag;\n`;
    const { path, uri } = await openScratch('loop-missing', text);
    const missing = (await client.diagnostics(uri)).filter((d) => d.code === 'missing-input');
    assert.equal(missing.length, 2);
    const actions = await actionsFor(uri, missing);
    assert.deepEqual(actions.map((a) => a.title), ["Create task 'shared'"]);
    const fixed = applyEdits(text, actions[0]!.edit!.changes![uri]!);
    assert.match(fixed, /\ndag\.task\('shared', [^\n]*\nfor \(const t of/);
    writeFileSync(path, fixed);
    // A stub inside the loop would make a duplicate task, which the runtime rejects.
    assert.equal(alamode(['check', path]).status, 0, 'the fixed module passes the CLI');
  });

  test('a stub where the Dag and its use share a line, or the file ends without a line break: the module then runs', async () => {
    const imports = "import { Dag } from 'a-la-mode';\n";
    const cases = [
      `${imports}function build() { const dag = new Dag(); dag.task('a', {}).addDep('x'); return dag; }\nexport default build();\n`,
      `${imports}const dag = new Dag({\n  owner: 'me',\n}); dag.task('a', {}).addDep('x');\nexport default dag;\n`,
      `${imports}const dag = new Dag(); dag.task('a', {}).addDep('x'); export default dag`,
      `${imports}let out: Dag;\n{ const dag = new Dag(); dag.task('a', {}).addDep('x'); out = dag; }\nexport default out;\n`,
      `${imports}const dag = new Dag();\nexport default dag;\nfunction later() { dag.task('a', {}).addDep('x'); }\nlater();`,
    ];
    for (const [i, text] of cases.entries()) {
      const { path, uri } = await openScratch(`shared-line-${i}`, text);
      const missing = (await client.diagnostics(uri)).filter((d) => d.code === 'missing-input');
      assert.equal(missing.length, 1, text);
      const [action] = (await actionsFor(uri, missing)).filter((a) => a.title === "Create task 'x'");
      assert.ok(action, text);
      const fixed = applyEdits(text, action.edit!.changes![uri]!);
      writeFileSync(path, fixed);
      const check = alamode(['check', path]);
      assert.equal(check.status, 0, `${fixed}\n${check.stderr}`);
    }
  });

  test('no near-miss change for a literal a loop shares: it names the input of every task the loop makes', async () => {
    const text = `${HEAD}for (const n of ['a', 'b']) {\n  dag.task(n, {}).addDep('x');\n}\nexport default dag;\n`;
    const { path, uri } = await openScratch('loop-suggestion', text);
    const missing = (await client.diagnostics(uri)).filter((d) => d.code === 'missing-input');
    assert.equal(missing.length, 2);
    assert.ok(missing.some((d) => /did you mean/.test(String(d.message))), 'the core suggests a name');
    const actions = await actionsFor(uri, missing);
    assert.deepEqual(actions.map((a) => a.title), ["Create task 'x'"]);
    writeFileSync(path, applyEdits(text, actions[0]!.edit!.changes![uri]!));
    assert.equal(alamode(['check', path]).status, 0);
  });

  test('no stub when the Dag\'s variable may name another Dag by then (a let given a new Dag)', async () => {
    const text = "import { Dag } from 'a-la-mode';\nlet dag = new Dag();\nconst first = dag;\ndag = new Dag();\nfirst.task('a', {}).addDep('x');\nexport default first;\n";
    const { uri } = await openScratch('let-dag', text);
    const missing = (await client.diagnostics(uri)).filter((d) => d.code === 'missing-input');
    assert.equal(missing.length, 1);
    assert.deepEqual((await actionsFor(uri, missing)).map((a) => a.title), []);
  });

  test('a missing input a helper names for two calls: one stub offered, not one per call', async () => {
    const text = `${HEAD}function mk(name: string) {\n  dag.task(name, {}).addDep('x');\n}\nmk('a');\nmk('b');\nexport default dag;\n`;
    const { path, uri } = await openScratch('helper-two-calls', text);
    const missing = (await client.diagnostics(uri)).filter((d) => d.code === 'missing-input');
    assert.equal(missing.length, 2);
    const actions = (await actionsFor(uri, missing)).filter((a) => a.title.startsWith('Create task'));
    assert.equal(actions.length, 1);
    writeFileSync(path, applyEdits(text, actions[0]!.edit!.changes![uri]!));
    assert.equal(alamode(['check', path]).status, 0);
  });

  test('a stub in a file with CRLF line endings keeps them', async () => {
    const text = `${HEAD}const a = dag.task('a', {});\na.addDep('raw');\nexport default dag;\n`.replaceAll('\n', '\r\n');
    const { path, uri } = await openScratch('crlf-missing', text);
    const missing = (await client.diagnostics(uri)).filter((d) => d.code === 'missing-input');
    const [action] = await actionsFor(uri, missing).then((all) => all.filter((a) => a.title === "Create task 'raw'"));
    const fixed = applyEdits(text, action!.edit!.changes![uri]!);
    assert.equal(fixed.replaceAll('\r\n', '').includes('\n'), false, 'no bare line feed');
    writeFileSync(path, fixed);
    assert.equal(alamode(['check', path]).status, 0);
  });

  test('a missing input named through a helper: the stub goes before the call, not into the helper', async () => {
    const text = `${HEAD}function needs(t: Task, input: string) {\n  t.addDep(input);\n}\nconst a = dag.task('a', {});\nneeds(a, 'raw');\nexport default dag;\n`;
    const { path, uri } = await openScratch('helper-missing', text);
    const missing = (await client.diagnostics(uri)).filter((d) => d.code === 'missing-input');
    const actions = await actionsFor(uri, missing);
    assert.deepEqual(actions.map((a) => a.title), ["Create task 'raw'"]);
    const fixed = applyEdits(text, actions[0]!.edit!.changes![uri]!);
    assert.match(fixed, /\ndag\.task\('raw', [^\n]*\nneeds\(a, 'raw'\);/);
    writeFileSync(path, fixed);
    assert.equal(alamode(['check', path]).status, 0, 'the fixed module passes the CLI');
  });
});
