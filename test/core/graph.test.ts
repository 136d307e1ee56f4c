/**
 * Graph checks: cycles (reported in data-flow order: each arrow means "is an input of", so
 * `b.addDep(a)` is `a → b`), missing inputs, duplicate names, very large DAGs, and the property that a
 * change reaches exactly the changed task and what is downstream of it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { encodeDag, findCycles, type DagEncoding, type TaskDefinition } from '../../server/src/core/index';
import { repoRoot } from '../support/paths';

const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
const HEX64 = /^[0-9a-f]{64}$/;

/** `t('b', ['a'])` is `b.addDep(a)`: a → b. */
const t = (name: string, inputs: string[] = [], spec: Record<string, unknown> = { n: name }): TaskDefinition => ({ name, spec, inputs });

function cycleProblems(result: DagEncoding) {
  return result.problems.filter((p) => p.code === 'cycle');
}

const cycleMessage = (path: string[]) => `cycle: ${path.join(' → ')} (each arrow is an input: no task in a cycle can have an output)`;

/** Every consecutive pair of a reported path must be a real edge: path[k] is an input of path[k+1]. */
function assertDataFlow(tasks: TaskDefinition[], path: readonly string[]) {
  const inputsOf = new Map(tasks.map((x) => [x.name, x.inputs]));
  for (let k = 0; k + 1 < path.length; k++) {
    assert.ok(inputsOf.get(path[k + 1]!)?.includes(path[k]!), `${path[k]} → ${path[k + 1]}: ${path[k]} is not an input of ${path[k + 1]}`);
  }
  assert.equal(path[0], path[path.length - 1], 'a cycle ends where it starts');
}

// ---------------------------------------------------------------- cycles

test('self-loop: a.addDep(a)', () => {
  const tasks = [t('a', ['a']), t('z')];
  const result = encodeDag({ tasks });
  assert.deepEqual(cycleProblems(result), [
    { code: 'cycle', cycle: ['a', 'a'], edges: [{ task: 'a', input: 'a' }], message: cycleMessage(['a', 'a']) },
  ]);
  assert.deepEqual(result.byName.get('a')?.noOutput, { kind: 'cycle', cycle: ['a', 'a'] });
  assert.match(result.byName.get('z')?.output ?? '', HEX64);
});

test('2-cycle: a.addDep(b), b.addDep(a) is a → b → a', () => {
  const tasks = [t('a', ['b']), t('b', ['a'])];
  const result = encodeDag({ tasks });
  assert.deepEqual(cycleProblems(result), [
    { code: 'cycle', cycle: ['a', 'b', 'a'], edges: [{ task: 'b', input: 'a' }, { task: 'a', input: 'b' }], message: cycleMessage(['a', 'b', 'a']) },
  ]);
  for (const n of ['a', 'b']) assert.deepEqual(result.byName.get(n)?.noOutput, { kind: 'cycle', cycle: ['a', 'b', 'a'] });
});

test('3-cycle: b.addDep(a), c.addDep(b), a.addDep(c) is a → b → c → a', () => {
  const tasks = [t('a', ['c']), t('b', ['a']), t('c', ['b'])];
  const result = encodeDag({ tasks });
  const path = ['a', 'b', 'c', 'a'];
  assertDataFlow(tasks, path);
  assert.deepEqual(cycleProblems(result), [
    {
      code: 'cycle',
      cycle: path,
      edges: [{ task: 'b', input: 'a' }, { task: 'c', input: 'b' }, { task: 'a', input: 'c' }],
      message: cycleMessage(path),
    },
  ]);
  for (const n of ['a', 'b', 'c']) assert.equal(result.byName.get(n)?.output, undefined);
});

test('3-cycle the other way round: a.addDep(b), b.addDep(c), c.addDep(a) is a → c → b → a', () => {
  const tasks = [t('a', ['b']), t('b', ['c']), t('c', ['a'])];
  const result = encodeDag({ tasks });
  const path = ['a', 'c', 'b', 'a'];
  assertDataFlow(tasks, path);
  assert.deepEqual(cycleProblems(result).map((p) => [p.cycle, p.edges]), [
    [path, [{ task: 'c', input: 'a' }, { task: 'b', input: 'c' }, { task: 'a', input: 'b' }]],
  ]);
});

test('two separate cycles: each reported once, in the order of their first definitions', () => {
  //  p → q → r → p      x → y → x       (definitions interleaved: p, x, q, y, r, ok)
  const tasks = [t('p', ['r']), t('x', ['y']), t('q', ['p']), t('y', ['x']), t('r', ['q']), t('ok')];
  const result = encodeDag({ tasks });
  assert.deepEqual(cycleProblems(result).map((p) => p.cycle), [['p', 'q', 'r', 'p'], ['x', 'y', 'x']]);
  assert.deepEqual(cycleProblems(result).map((p) => p.message), [cycleMessage(['p', 'q', 'r', 'p']), cycleMessage(['x', 'y', 'x'])]);
  for (const n of ['p', 'q', 'r']) assert.deepEqual(result.byName.get(n)?.noOutput, { kind: 'cycle', cycle: ['p', 'q', 'r', 'p'] }, n);
  for (const n of ['x', 'y']) assert.deepEqual(result.byName.get(n)?.noOutput, { kind: 'cycle', cycle: ['x', 'y', 'x'] }, n);
  assert.match(result.byName.get('ok')?.output ?? '', HEX64);
  assert.equal(result.encoded, undefined);
});

test('cycle plus tail: upstream keeps its output, downstream gets `upstream`, unrelated unaffected', () => {
  //  src → a ⇄ b → c → d        u
  const tasks = [t('src'), t('a', ['src', 'b']), t('b', ['a']), t('c', ['b']), t('d', ['c']), t('u')];
  const result = encodeDag({ tasks });
  const cycle = ['a', 'b', 'a'];
  assert.deepEqual(cycleProblems(result).map((p) => [p.cycle, p.edges]), [[cycle, [{ task: 'b', input: 'a' }, { task: 'a', input: 'b' }]]]);
  assert.equal(result.problems.length, 1);
  const o = (n: string) => result.byName.get(n)!;
  assert.deepEqual(o('a').noOutput, { kind: 'cycle', cycle });
  assert.deepEqual(o('b').noOutput, { kind: 'cycle', cycle });
  assert.deepEqual(o('c').noOutput, { kind: 'upstream', input: 'b', root: 'b', rootReason: { kind: 'cycle', cycle } });
  assert.deepEqual(o('d').noOutput, { kind: 'upstream', input: 'c', root: 'b', rootReason: { kind: 'cycle', cycle } });
  // src and u are as they would be alone.
  const alone = encodeDag({ tasks: [t('src'), t('u')] });
  assert.equal(o('src').output, alone.byName.get('src')!.output);
  assert.equal(o('u').output, alone.byName.get('u')!.output);
});

test('a component with several cycles: one shortest cycle through its first member, all members blocked', () => {
  //  a ⇄ b ⇄ c   (and c → a): every reported arrow must be a real edge
  const tasks = [t('a', ['b', 'c']), t('b', ['a', 'c']), t('c', ['b'])];
  const cycles = findCycles(tasks.map((x) => x.name), (n) => tasks.find((x) => x.name === n)!.inputs);
  assert.equal(cycles.length, 1);
  assert.deepEqual(cycles[0]!.members, ['a', 'b', 'c']);
  assert.equal(cycles[0]!.path[0], 'a');
  assert.equal(cycles[0]!.path.length, 3, 'a shortest cycle through a has two arrows');
  assertDataFlow(tasks, cycles[0]!.path);
  const result = encodeDag({ tasks });
  for (const n of ['a', 'b', 'c']) assert.equal(result.byName.get(n)?.noOutput?.kind, 'cycle', n);
});

test('findCycles: an acyclic graph has none; members are listed in the given node order', () => {
  assert.deepEqual(findCycles(['a', 'b', 'c'], (n) => ({ a: [], b: ['a'], c: ['a', 'b'] })[n]!), []);
  const cycles = findCycles(['z', 'm', 'a'], (n) => ({ z: ['a'], m: ['z'], a: ['m'] })[n]!);
  assert.deepEqual(cycles.map((c) => [c.members, c.path]), [[['z', 'm', 'a'], ['z', 'm', 'a', 'z']]]);
});

test('a cycle outranks the members’ other problems', () => {
  const tasks = [t('a', ['b', 'nope']), t('b', ['a'], { x: null })];
  const result = encodeDag({ tasks });
  assert.deepEqual(result.byName.get('a')?.noOutput, { kind: 'cycle', cycle: ['a', 'b', 'a'] });
  assert.deepEqual(result.byName.get('b')?.noOutput, { kind: 'cycle', cycle: ['a', 'b', 'a'] });
  assert.deepEqual(result.problems.map((p) => p.code).sort(), ['cycle', 'invalid-value', 'missing-input']);
});

// ---------------------------------------------------------------- missing inputs, duplicates

test("missing input, with a 'did you mean' suggestion", () => {
  const tasks = [t('blur'), t('collage', ['blurr']), t('post', ['collage'])];
  const result = encodeDag({ tasks });
  assert.deepEqual(result.problems, [
    { code: 'missing-input', task: 'collage', input: 'blurr', suggestion: 'blur', message: "task 'collage': input 'blurr' names no task (did you mean 'blur'?)" },
  ]);
  assert.deepEqual(result.byName.get('collage')?.noOutput, { kind: 'missing-input', input: 'blurr' });
  assert.deepEqual(result.byName.get('post')?.noOutput, { kind: 'upstream', input: 'collage', root: 'collage', rootReason: { kind: 'missing-input', input: 'blurr' } });
  assert.match(result.byName.get('blur')?.output ?? '', HEX64);
});

test('missing input: suggestions for a swap and a case slip; none when nothing is close', () => {
  const tasks = [t('download_images'), t('a', ['donwload_images']), t('b', ['Download_images']), t('c', ['zzz'])];
  const byTask = Object.fromEntries(encodeDag({ tasks }).problems.map((p) => [(p as { task: string }).task, p.message]));
  assert.equal(byTask.a, "task 'a': input 'donwload_images' names no task (did you mean 'download_images'?)");
  assert.equal(byTask.b, "task 'b': input 'Download_images' names no task (did you mean 'download_images'?)");
  assert.equal(byTask.c, "task 'c': input 'zzz' names no task");
});

test('missing input: never the task itself as the suggestion (that would be a cycle)', () => {
  const tasks = [t('load', ['loads']), t('loader'), t('x', ['lods'])];
  const byTask = Object.fromEntries(encodeDag({ tasks }).problems.map((p) => [(p as { task: string }).task, p.message]));
  assert.equal(byTask.load, "task 'load': input 'loads' names no task (did you mean 'loader'?)");
  assert.equal(byTask.x, "task 'x': input 'lods' names no task (did you mean 'load'?)");
  const alone = encodeDag({ tasks: [t('load', ['loads'])] }).problems;
  assert.deepEqual(alone.map((p) => p.message), ["task 'load': input 'loads' names no task"]);
});

test('missing input: never a task that depends on this one as the suggestion (that would close a cycle)', () => {
  // 'bee' depends on 'a' through 'mid': making 'a' depend on 'bee' closes a → bee → mid → a.
  const tasks = [t('a', ['be']), t('mid', ['a']), t('bee', ['mid']), t('c', ['be'])];
  const byTask = Object.fromEntries(encodeDag({ tasks }).problems.map((p) => [(p as { task: string }).task, p.message]));
  assert.equal(byTask.a, "task 'a': input 'be' names no task");
  // 'c' is upstream of nothing: 'bee' is a fine suggestion there.
  assert.equal(byTask.c, "task 'c': input 'be' names no task (did you mean 'bee'?)");
  // Applying each suggestion the core makes never gives a cycle.
  const fixed = tasks.map((x) => ({ ...x, inputs: x.inputs.map((i) => (i === 'be' && x.name === 'c' ? 'bee' : i)) }));
  assert.deepEqual(encodeDag({ tasks: fixed }).problems.filter((p) => p.code === 'cycle'), []);
});

test('the same input named twice counts once', () => {
  const once = encodeDag({ tasks: [t('a'), t('b', ['a'])] });
  const twice = encodeDag({ tasks: [t('a'), t('b', ['a', 'a'])] });
  assert.deepEqual(twice.problems, []);
  assert.equal(twice.byName.get('b')?.output, once.byName.get('b')?.output);
  assert.deepEqual(twice.encoded, once.encoded);
});

test('duplicate task names: every definition blocked, dependents get `upstream`, others fine', () => {
  const tasks = [t('a', [], { v: 1 }), t('b', ['a']), t('a', [], { v: 2 }), t('c'), t('a', [], { v: 3 })];
  const result = encodeDag({ tasks });
  assert.deepEqual(result.problems, [
    { code: 'duplicate-task', task: 'a', definitions: [0, 2, 4], message: "task 'a' is defined 3 times; task names must be unique" },
  ]);
  assert.deepEqual(result.outcomes.map((o) => [o.name, o.definition, o.noOutput?.kind ?? 'output']), [
    ['a', 0, 'duplicate-task'],
    ['b', 1, 'upstream'],
    ['a', 2, 'duplicate-task'],
    ['c', 3, 'output'],
    ['a', 4, 'duplicate-task'],
  ]);
  assert.deepEqual(result.byName.get('b')?.noOutput, { kind: 'upstream', input: 'a', root: 'a', rootReason: { kind: 'duplicate-task' } });
  assert.equal(result.encoded, undefined);
});

// ---------------------------------------------------------------- size

function reference(tasks: TaskDefinition[]): Record<string, string> {
  const request = { cases: [{ tasks: tasks.map((x) => ({ name: x.name, spec: { $dict: x.spec }, inputs: x.inputs })) }] };
  const r = spawnSync('python3', [join(repoRoot, 'test', 'support', 'reference_alamode.py')], { input: JSON.stringify(request), encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`reference failed: ${r.stderr}`);
  return JSON.parse(r.stdout).results[0].outputs;
}

test('a 9,001-task diamond ladder encodes (linear, not exponential) with the reference’s IDs', { timeout: 20_000 }, () => {
  // top → (l_i, r_i) → j_i → (l_{i+1}, r_{i+1}) → …: 2^3000 paths from the last join to the top.
  const tasks: TaskDefinition[] = [t('top')];
  let prev = 'top';
  for (let i = 0; i < 3000; i++) {
    tasks.push(t(`l${i}`, [prev]), t(`r${i}`, [prev]), t(`j${i}`, [`l${i}`, `r${i}`]));
    prev = `j${i}`;
  }
  assert.equal(tasks.length, 9001);
  const result = encodeDag({ tasks: [...tasks].reverse() });
  assert.deepEqual(result.problems, []);
  assert.ok(result.encoded);
  const ref = reference(tasks);
  for (const x of tasks) assert.equal(result.byName.get(x.name)?.output, ref[x.name], x.name);
});

test('a 20,000-deep chain encodes without stack overflow, with the reference’s IDs', { timeout: 20_000 }, () => {
  const tasks: TaskDefinition[] = [];
  for (let i = 0; i < 20_000; i++) tasks.push(t(`s${i}`, i === 0 ? [] : [`s${i - 1}`]));
  // Deepest first: the walk starts 20,000 levels above the source.
  const result = encodeDag({ tasks: [...tasks].reverse() });
  assert.deepEqual(result.problems, []);
  const ref = reference(tasks);
  for (const x of tasks) assert.equal(result.byName.get(x.name)?.output, ref[x.name], x.name);
});

test('a 20,000-task cycle is found without stack overflow', { timeout: 20_000 }, () => {
  const n = 20_000;
  const tasks: TaskDefinition[] = [];
  for (let i = 0; i < n; i++) tasks.push(t(`c${i}`, [`c${(i + n - 1) % n}`]));
  tasks.push(t('after', ['c0']));
  const result = encodeDag({ tasks });
  const [cycle] = cycleProblems(result);
  assert.equal(cycle?.cycle.length, n + 1);
  assert.equal(cycle?.cycle[0], 'c0');
  assert.equal(cycle?.cycle[1], 'c1');
  assertDataFlow(tasks, cycle!.cycle);
  assert.equal(result.byName.get('after')?.noOutput?.kind, 'upstream');
});

// ---------------------------------------------------------------- what a change reaches

interface RandomDag {
  tasks: TaskDefinition[];
  changed: number;
}

const randomDag: fc.Arbitrary<RandomDag> = fc
  .uniqueArray(fc.string({ unit: fc.constantFrom('a', 'b', 'é', '\u{1f600}', '\uff5e', '_'), minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 25 })
  .chain((names) =>
    fc.record({
      inputs: fc.tuple(...names.map((_, i) => fc.subarray(names.slice(0, i), { maxLength: Math.min(i, 4) }))),
      values: fc.array(fc.integer(), { minLength: names.length, maxLength: names.length }),
      order: fc.shuffledSubarray(names.map((_, i) => i), { minLength: names.length, maxLength: names.length }),
      changed: fc.nat(names.length - 1),
    }).map(({ inputs, values, order, changed }) => ({
      tasks: order.map((i) => ({ name: names[i]!, spec: { v: values[i]!, name: names[i]! }, inputs: inputs[i]! })),
      changed,
    })),
  );

/** The changed task and everything reachable from it along "is an input of" edges (BFS). */
function downstreamOf(tasks: TaskDefinition[], start: string): Set<string> {
  const users = new Map<string, string[]>(tasks.map((x) => [x.name, []]));
  for (const x of tasks) for (const i of x.inputs) users.get(i)!.push(x.name);
  const seen = new Set([start]);
  const queue = [start];
  while (queue.length > 0) {
    for (const u of users.get(queue.shift()!)!) {
      if (!seen.has(u)) {
        seen.add(u);
        queue.push(u);
      }
    }
  }
  return seen;
}

test('property: changing one task’s spec changes exactly its output and those downstream of it', () => {
  fc.assert(
    fc.property(randomDag, fc.constantFrom<(spec: Record<string, unknown>) => Record<string, unknown>>(
      (s) => ({ ...s, v: (s.v as number) + 1 }),
      (s) => ({ ...s, extra: 'x' }),
      (s) => ({ ...s, v: BigInt(s.v as number) + 2n ** 64n }),
      ({ v: _v, ...rest }) => rest,
    ), ({ tasks, changed }, edit) => {
      const target = tasks[changed]!;
      const edited = tasks.map((x) => (x === target ? { ...x, spec: edit(x.spec as Record<string, unknown>) } : x));
      const before = encodeDag({ tasks });
      const after = encodeDag({ tasks: edited });
      assert.deepEqual(before.problems, []);
      assert.deepEqual(after.problems, []);
      const reached = downstreamOf(tasks, target.name);
      for (const x of tasks) {
        const moved = before.byName.get(x.name)!.output !== after.byName.get(x.name)!.output;
        assert.equal(moved, reached.has(x.name), `${x.name}: ${reached.has(x.name) ? 'downstream but unchanged' : 'not downstream but changed'} (edited ${target.name})`);
      }
    }),
    { seed: SEED, numRuns: 200 },
  );
});

test('property: breaking one task blocks exactly it and those downstream of it', () => {
  fc.assert(
    fc.property(randomDag, ({ tasks, changed }) => {
      const target = tasks[changed]!;
      const broken = tasks.map((x) => (x === target ? { ...x, spec: { ...(x.spec as object), bad: 0.5 } } : x));
      const clean = encodeDag({ tasks });
      const result = encodeDag({ tasks: broken });
      const reached = downstreamOf(tasks, target.name);
      for (const x of tasks) {
        const o = result.byName.get(x.name)!;
        if (!reached.has(x.name)) assert.equal(o.output, clean.byName.get(x.name)!.output, x.name);
        else if (x.name === target.name) assert.equal(o.noOutput?.kind, 'invalid-value');
        else {
          assert.equal(o.output, undefined, x.name);
          assert.equal(o.noOutput?.kind, 'upstream', x.name);
          assert.equal(o.noOutput?.kind === 'upstream' && o.noOutput.root, target.name, x.name);
        }
      }
    }),
    { seed: SEED, numRuns: 200 },
  );
});
