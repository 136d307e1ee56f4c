/**
 * The source ranges the editor features stand on: call, callee, name and spec ranges, where each spec
 * value was written, dependencies, references to tasks and completion sites. Checked by reading each
 * range back as source text.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { analyseModule } from '../../server/src/analysis/analyse';
import { fixturesDir } from '../support/paths';
import { analyse, onlyDag, task } from './helpers';

describe('the collage pipeline', () => {
  const path = join(fixturesDir, 'pipelines', 'collage.alamode.ts');
  const text = readFileSync(path, 'utf8');
  const analysis = analyseModule(text, path, { fresh: true });
  const at = (r: { start: number; end: number } | undefined) => (r ? text.slice(r.start, r.end) : undefined);
  const dag = onlyDag(analysis);

  test('the Dag: its expression, variable, meta and default export', () => {
    assert.equal(at(dag.range), "new Dag({ schedule: '@daily' })");
    assert.equal(dag.variable, 'dag');
    assert.equal(dag.isDefaultExport, true);
    assert.deepEqual(dag.meta, { schedule: '@daily' });
    assert.equal(at(dag.metaRange), "{ schedule: '@daily' }");
    assert.equal(at(dag.metaValueRanges.get('["schedule"]')), "schedule: '@daily'");
  });

  test('each task: call, callee, name, spec and value ranges', () => {
    assert.deepEqual(dag.tasks.map((t) => t.name), ['download_images', 'blur', 'edge_enhance', 'collage']);
    const blur = task(dag, 'blur');
    assert.match(at(blur.callRange)!, /^dag\.task\('blur', \{[\s\S]*\}\)$/);
    assert.equal(at(blur.calleeRange), 'task');
    assert.equal(at(blur.nameRange), "'blur'");
    assert.equal(at(blur.nameLiteralRange), 'blur');
    assert.match(at(blur.specRange)!, /^\{\s+image: 'collage',[\s\S]*\}$/);
    assert.equal(at(blur.valueRanges.get('["sha"]')), "sha: '6f09d'");
    assert.equal(at(blur.valueRanges.get('["command"]')), "command: 'python transform_images.py blur'");
    assert.equal(blur.iteration, 0);
    // The chained call: the task call is the inner expression, not the addDep call around it.
    const collage = task(dag, 'collage');
    assert.match(at(collage.callRange)!, /^dag\.task\('collage', \{[\s\S]*\}\)$/);
  });

  test('dependencies: the argument, the addDep call, and the argument position', () => {
    const blur = task(dag, 'blur');
    assert.equal(blur.deps.length, 1);
    assert.equal(blur.deps[0]!.name, 'download_images');
    assert.equal(at(blur.deps[0]!.range), 'download');
    assert.equal(at(blur.deps[0]!.callRange), 'blur.addDep(download)');
    assert.deepEqual([blur.deps[0]!.argumentIndex, blur.deps[0]!.argumentCount], [0, 1]);
    const collage = task(dag, 'collage');
    assert.deepEqual(collage.deps.map((d) => [d.name, at(d.range), d.argumentIndex, d.argumentCount]), [
      ['blur', 'blur', 0, 2],
      ['edge_enhance', 'edgeEnhance', 1, 2],
    ]);
    assert.match(at(collage.deps[0]!.callRange)!, /^dag\.task\('collage'[\s\S]*\.addDep\(blur, edgeEnhance\)$/);
  });

  test('references: definitions, and every variable occurrence holding a task', () => {
    const refs = analysis.references.map((r) => `${r.kind}:${r.task}:${at(r.range)}@${r.range.start}`);
    const count = (kind: string, name: string) => analysis.references.filter((r) => r.kind === kind && r.task === name).length;
    assert.equal(count('definition', 'blur'), 1);
    assert.equal(at(analysis.references.find((r) => r.kind === 'definition' && r.task === 'blur')!.range), 'blur');
    // `download`: its declaration, and in blur.addDep(download) and edgeEnhance.addDep(download).
    assert.equal(count('variable', 'download_images'), 3, refs.join('\n'));
    // `blur`: its declaration, blur.addDep(…), and .addDep(blur, …).
    assert.equal(count('variable', 'blur'), 3);
    for (const r of analysis.references.filter((x) => x.kind === 'variable')) {
      assert.match(at(r.range)!, /^(download|blur|edgeEnhance)$/);
    }
    assert.deepEqual(analysis.completionSites, []);
  });
});

describe('ranges of values written elsewhere', () => {
  test('through variables and spreads: where the value was written', () => {
    const { analysis, at } = analyse(`
const dag = new Dag();
const img = 'base:1';
const base = { image: img, retries: 2 };
dag.task('a', { ...base, sha: '1', image });
`.replace('image });', 'image: img });'));
    const a = task(onlyDag(analysis), 'a');
    // Written in the spec literal: that property.
    assert.equal(at(a.valueRanges.get('["image"]')), 'image: img');
    assert.equal(at(a.valueRanges.get('["sha"]')), "sha: '1'");
    // Copied by the spread: where it was written in `base`.
    assert.equal(at(a.valueRanges.get('["retries"]')), 'retries: 2');
  });

  test('shorthand properties, nested values and array elements', () => {
    const { analysis, at } = analyse(`
const dag = new Dag();
const command = 'run';
dag.task('a', { command, env: { HOME: '/h' }, args: ['x', 'y', 'z'] });
`);
    const a = task(onlyDag(analysis), 'a');
    assert.equal(at(a.valueRanges.get('["command"]')), 'command');
    assert.equal(at(a.valueRanges.get('["env"]')), "env: { HOME: '/h' }");
    assert.equal(at(a.valueRanges.get('["env","HOME"]')), "HOME: '/h'");
    assert.equal(at(a.valueRanges.get('["args",2]')), "'z'");
  });

  test('values changed after the task was defined: the assignment', () => {
    const { analysis, at } = analyse(`
const dag = new Dag();
const s = { a: 1, list: [1] };
dag.task('x', s);
s.a = 2;
s.list.push(3);
`);
    const x = task(onlyDag(analysis), 'x');
    assert.deepEqual(x.spec, { a: 2, list: [1, 3] });
    assert.equal(at(x.valueRanges.get('["a"]')), 's.a = 2');
    assert.equal(at(x.valueRanges.get('["list",1]')), '3');
  });

  test('tasks made in a loop share the call and count iterations', () => {
    const { analysis, at } = analyse(`
const dag = new Dag();
for (const n of ['a', 'b', 'c']) dag.task(n, { n });
['d', 'e'].map((n) => dag.task(n, {}));
`);
    const dag = onlyDag(analysis);
    assert.deepEqual(dag.tasks.map((t) => [t.name, t.iteration, at(t.callRange)]), [
      ['a', 0, 'dag.task(n, { n })'],
      ['b', 1, 'dag.task(n, { n })'],
      ['c', 2, 'dag.task(n, { n })'],
      ['d', 0, 'dag.task(n, {})'],
      ['e', 1, 'dag.task(n, {})'],
    ]);
    assert.equal(at(dag.tasks[1]!.nameRange), 'n');
    assert.equal(dag.tasks[1]!.nameLiteralRange, undefined);
  });

  test('a spread of tasks in addDep: each dependency points at the spread argument', () => {
    const { analysis, at } = analyse(`
const dag = new Dag();
const parts = ['p1', 'p2'].map((p) => dag.task(p, {}));
dag.task('all', {}).addDep('first', ...parts, 'last');
`);
    const all = task(onlyDag(analysis), 'all');
    assert.deepEqual(all.deps.map((d) => [d.name, at(d.range), d.argumentIndex, d.argumentCount, at(d.nameLiteralRange)]), [
      ['first', "'first'", 0, 3, 'first'],
      ['p1', '...parts', 1, 3, undefined],
      ['p2', '...parts', 1, 3, undefined],
      ['last', "'last'", 2, 3, 'last'],
    ]);
  });
});

describe('references and completion sites', () => {
  test('name literals in addDep and dag.get are references and completion sites', () => {
    const { analysis, at } = analyse(`
const dag = new Dag();
const a = dag.task('a', {});
dag.task('b', {}).addDep('a', a);
dag.get('b').addDep('');
`);
    const refs = analysis.references.map((r) => `${r.kind} ${r.task} ${at(r.range)} @${r.range.start}`).sort();
    assert.deepEqual(refs.map((r) => r.replace(/ @\d+$/, '')), [
      'definition a a',
      'definition b b',
      'string  ', // addDep('') names a task called '' (there is none)
      'string a a',
      'string b b',
      'variable a a', // const a = …
      'variable a a', // addDep('a', a)
    ]);
    // The literal inside addDep('a', …), inside dag.get('b') and the empty one being typed.
    assert.deepEqual(analysis.completionSites.map((c) => [c.dag, at(c.range)]), [[0, 'a'], [0, 'b'], [0, '']]);
  });

  test('an unfinished string is a completion site that runs to the end of the line', () => {
    const { analysis, text } = analyse(`const dag = new Dag();\ndag.task('x', {}).addDep('bl\n`);
    const site = analysis.completionSites[0]!;
    assert.equal(text.slice(site.range.start, site.range.end), 'bl');
    assert.equal(analysis.hasSyntaxErrors, true);
    // Being typed, it is neither a known input nor a warning.
    const dep = task(onlyDag(analysis), 'x').deps[0]!;
    assert.equal(dep.name, undefined);
    assert.ok(dep.unknown);
    assert.deepEqual(analysis.diagnostics, []);
  });

  test('references of several Dags carry their Dag', () => {
    const { analysis } = analyse(`
const one = new Dag();
const two = new Dag();
one.task('t', {});
two.task('t', {}).addDep('u');
`);
    assert.deepEqual(analysis.references.map((r) => [r.dag, r.task, r.kind]), [[0, 't', 'definition'], [1, 't', 'definition'], [1, 'u', 'string']]);
    assert.deepEqual(analysis.completionSites.map((c) => c.dag), [1]);
  });
});
