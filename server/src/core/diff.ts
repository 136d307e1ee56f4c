/**
 * What a change invalidates: the difference between two encoded DAGs, task by task.
 *
 * - `changed`: the task's own definition changed (spec fields or the set of input names);
 * - `invalidated`: its definition is the same but its output moved, because an input's output moved;
 * - `renamed`: a removed task and an added one are the same work under a new name;
 * - `added`, `removed`, `unchanged`: as they say.
 */
import { encodeWithKey } from './bencode';
import { sha256Hex, type EncodedDag, type EncodedTask } from './outputIds';
import { formatPath, kindOf, valuesEqual, type BencodeDict, type BencodeValue, type PathSegment } from './values';

export type TaskStatus = 'changed' | 'invalidated' | 'added' | 'removed' | 'renamed' | 'unchanged';

/** How many hops of an invalidation chain a diff spells out (see {@link TaskDiff.chain}). */
export const CHAIN_LIMIT = 8;

export const TASK_STATUSES: readonly TaskStatus[] = ['changed', 'invalidated', 'added', 'removed', 'renamed', 'unchanged'];

export interface FieldChange {
  /** Where, relative to the task (`sha`, `env.HOME`, `inputs.blur`) or to meta. */
  readonly path: string;
  readonly kind: 'added' | 'removed' | 'modified';
  readonly old?: BencodeValue;
  readonly new?: BencodeValue;
}

export interface TaskDiff {
  readonly status: TaskStatus;
  /** The name in the target (the base name for `removed`). */
  readonly name: string;
  /** For `renamed`: the name in the base. */
  readonly oldName?: string;
  readonly oldOutput?: string;
  readonly newOutput?: string;
  /** For `changed` and `renamed`: what differs in the task's own definition. */
  readonly changes?: readonly FieldChange[];
  /** Inputs whose output IDs moved (for `invalidated`, and for `changed` tasks that were also hit from upstream). */
  readonly via?: readonly string[];
  /**
   * For `invalidated`: the chain of inputs that carried the change, from this task's input towards the
   * first task that was itself changed, added or renamed, e.g. `['blur', 'download']`. At most
   * {@link CHAIN_LIMIT} hops: a root edit in a deep pipeline would otherwise make the diff quadratic.
   */
  readonly chain?: readonly string[];
  /** For `invalidated`: where the change came from (the end of the full chain). */
  readonly origin?: string;
  /** For `invalidated`: how many hops the full chain has (`chain` holds the first few). */
  readonly hops?: number;
}

export interface DagDiff {
  /** Sorted by name; `removed` tasks sort among the rest by their base name. */
  readonly tasks: readonly TaskDiff[];
  readonly counts: Readonly<Record<TaskStatus, number>>;
  readonly meta: readonly FieldChange[];
}

/** Field-level differences between two values (dicts recurse; lists and scalars compare whole). */
export function fieldChanges(oldValue: BencodeDict, newValue: BencodeDict, root: string, skip: ReadonlySet<string> = new Set()): FieldChange[] {
  const out: FieldChange[] = [];
  const walk = (a: BencodeValue | undefined, b: BencodeValue | undefined, path: PathSegment[]) => {
    const where = path.length === 0 ? root : formatPath(root, path).replace(/^\./, '');
    if (a === undefined) {
      out.push({ path: where, kind: 'added', new: b! });
      return;
    }
    if (b === undefined) {
      out.push({ path: where, kind: 'removed', old: a });
      return;
    }
    if (kindOf(a) === 'dict' && kindOf(b) === 'dict') {
      const da = a as BencodeDict;
      const db = b as BencodeDict;
      const keys = [...new Set([...Object.keys(da), ...Object.keys(db)])].sort();
      for (const k of keys) {
        if (path.length === 0 && skip.has(k)) continue;
        walk(own(da, k), own(db, k), [...path, k]);
      }
      return;
    }
    if (!valuesEqual(a, b)) out.push({ path: where, kind: 'modified', old: a, new: b });
  };
  walk(oldValue, newValue, []);
  return out;
}

function own(d: BencodeDict, k: string): BencodeValue | undefined {
  return Object.prototype.hasOwnProperty.call(d, k) ? d[k] : undefined;
}

const NOT_SPEC = new Set(['inputs', 'output']);

/** The task's own definition: spec fields and input names (not input IDs, not its output). */
function definitionChanges(a: EncodedTask, b: EncodedTask): FieldChange[] {
  const changes = fieldChanges(a, b, '', NOT_SPEC);
  // Sets: a task may have thousands of inputs (a fan-in), and `includes` would make this quadratic.
  const oldInputs = new Set(Object.keys(a.inputs ?? {}));
  const newInputs = new Set(Object.keys(b.inputs ?? {}));
  for (const name of newInputs) if (!oldInputs.has(name)) changes.push({ path: formatPath('inputs', [name]), kind: 'added', new: b.inputs[name]! });
  for (const name of oldInputs) if (!newInputs.has(name)) changes.push({ path: formatPath('inputs', [name]), kind: 'removed', old: a.inputs[name]! });
  return changes;
}

/**
 * A task's own definition (spec fields and input names, not input IDs nor its output) as one
 * string, such that two tasks have the same definition exactly when their keys are equal: the
 * sha256 of the canonical bencoding (which is what {@link definitionChanges} compares, field by field).
 * Indexing by it makes the rename pass linear instead of comparing every added task with every
 * removed one (issue 11: a 3,000-task rename took 27 s).
 */
function definitionKey(task: EncodedTask): string | undefined {
  const { inputs, output: _output, ...spec } = task;
  const names: Record<string, BencodeValue> = Object.create(null);
  for (const name of Object.keys(inputs ?? {})) names[name] = '';
  try {
    return sha256Hex(encodeWithKey(spec as BencodeDict, 'inputs', names));
  } catch {
    // Not encodable (never so for a decoded or encoded DAG): such a task is simply not matched.
    return undefined;
  }
}

function movedInputs(a: EncodedTask, b: EncodedTask): string[] {
  return Object.keys(b.inputs ?? {}).filter((n) => own(a.inputs ?? {}, n) !== undefined && a.inputs[n] !== b.inputs[n]);
}

/** Units of work (roughly: tasks looked at) between the pauses of {@link diffDagsStepwise}. */
export const DIFF_STEP = 1000;

export function diffDags(base: EncodedDag, target: EncodedDag): DagDiff {
  const steps = diffDagsStepwise(base, target);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/**
 * {@link diffDags} as a generator that pauses (yields) every {@link DIFF_STEP} units of work and
 * returns the diff: a server can run it in slices, answer other requests in between, and drop it
 * when it is cancelled or superseded. The core itself stays synchronous and free of timers.
 * Every pass is linear in the number of tasks (plus their specs), but for the final sort by name.
 */
export function* diffDagsStepwise(base: EncodedDag, target: EncodedDag): Generator<void, DagDiff, void> {
  let work = 0;
  const baseNames = Object.keys(base.tasks);
  const targetNames = Object.keys(target.tasks);
  const results = new Map<string, TaskDiff>();

  const removed = baseNames.filter((n) => own(target.tasks, n) === undefined);
  const added = targetNames.filter((n) => own(base.tasks, n) === undefined);

  // Renames: first the same output ID (the very same work), then the same definition, one to one.
  // Pass 1: an added task whose output is that of exactly one removed task still unmatched (in the
  // order of the target) is that task renamed.
  const renamedFrom = new Map<string, string>();
  const unmatchedRemoved = new Set(removed);
  const byOutput = new Map<string, { names: string[]; unmatched: number }>();
  for (const n of removed) {
    const out = base.tasks[n]!.output;
    const bucket = byOutput.get(out);
    if (bucket) {
      bucket.names.push(n);
      bucket.unmatched++;
    } else {
      byOutput.set(out, { names: [n], unmatched: 1 });
    }
    if (++work % DIFF_STEP === 0) yield;
  }
  for (const n of added) {
    const bucket = byOutput.get(target.tasks[n]!.output);
    if (bucket?.unmatched === 1) {
      // Each bucket is scanned at most once: it has no unmatched task left afterwards.
      const only = bucket.names.find((c) => unmatchedRemoved.has(c))!;
      renamedFrom.set(n, only);
      unmatchedRemoved.delete(only);
      bucket.unmatched = 0;
    }
    if (++work % DIFF_STEP === 0) yield;
  }
  // Pass 2: among the tasks still unmatched, a definition held by exactly one removed task and
  // exactly one added task is a rename (two equal candidates on either side are not guessed).
  const removedByKey = new Map<string, string[]>();
  for (const n of unmatchedRemoved) {
    const key = definitionKey(base.tasks[n]!);
    if (key !== undefined) removedByKey.set(key, [...(removedByKey.get(key) ?? []), n].slice(0, 2));
    if (++work % DIFF_STEP === 0) yield;
  }
  const addedByKey = new Map<string, string[]>();
  for (const n of added) {
    if (renamedFrom.has(n)) continue;
    const key = definitionKey(target.tasks[n]!);
    if (key !== undefined && removedByKey.has(key)) addedByKey.set(key, [...(addedByKey.get(key) ?? []), n].slice(0, 2));
    if (++work % DIFF_STEP === 0) yield;
  }
  for (const [key, addedNames] of addedByKey) {
    const removedNames = removedByKey.get(key)!;
    if (addedNames.length === 1 && removedNames.length === 1) {
      renamedFrom.set(addedNames[0]!, removedNames[0]!);
      unmatchedRemoved.delete(removedNames[0]!);
    }
  }

  for (const n of targetNames) {
    if (++work % DIFF_STEP === 0) yield;
    const t = target.tasks[n]!;
    const oldName = renamedFrom.get(n);
    if (oldName !== undefined) {
      const b = base.tasks[oldName]!;
      results.set(n, { status: 'renamed', name: n, oldName, oldOutput: b.output, newOutput: t.output, changes: definitionChanges(b, t) });
      continue;
    }
    const b = own(base.tasks, n) as EncodedTask | undefined;
    if (!b) {
      results.set(n, { status: 'added', name: n, newOutput: t.output });
      continue;
    }
    if (b.output === t.output) {
      results.set(n, { status: 'unchanged', name: n, oldOutput: b.output, newOutput: t.output });
      continue;
    }
    const changes = definitionChanges(b, t);
    const via = movedInputs(b, t);
    if (changes.length > 0) {
      results.set(n, { status: 'changed', name: n, oldOutput: b.output, newOutput: t.output, changes, ...(via.length ? { via } : {}) });
    } else {
      results.set(n, { status: 'invalidated', name: n, oldOutput: b.output, newOutput: t.output, via });
    }
  }

  // Chains: follow the first moved input up through invalidated tasks to where the change came from.
  // Origins and hop counts are memoised, so a deep pipeline costs linear time, not quadratic.
  const reach = new Map<string, { origin: string; hops: number }>();
  const nextHop = (d: TaskDiff | undefined) => (d && d.status === 'invalidated' && d.via && d.via.length > 0 ? d.via[0]! : undefined);
  for (const n of results.keys()) {
    if (++work % DIFF_STEP === 0) yield;
    if (results.get(n)!.status !== 'invalidated' || reach.has(n)) continue;
    const path: string[] = [];
    const onPath = new Set<string>();
    let cur: string | undefined = n;
    // Walk up until a task that is not invalidated (the origin), one already resolved, or a loop.
    while (cur !== undefined && !reach.has(cur) && results.get(cur)?.status === 'invalidated' && !onPath.has(cur)) {
      path.push(cur);
      onPath.add(cur);
      cur = nextHop(results.get(cur));
    }
    work += path.length;
    let base = cur === undefined ? { origin: path[path.length - 1]!, hops: -1 } : reach.get(cur) ?? { origin: cur, hops: 0 };
    for (let k = path.length - 1; k >= 0; k--) {
      base = { origin: base.origin, hops: base.hops + 1 };
      reach.set(path[k]!, base);
    }
  }
  for (const [n, d] of results) {
    if (++work % DIFF_STEP === 0) yield;
    if (d.status !== 'invalidated') continue;
    const chain: string[] = [];
    for (let hop = nextHop(d); hop !== undefined && chain.length < CHAIN_LIMIT && !chain.includes(hop) && hop !== n; hop = nextHop(results.get(hop))) {
      chain.push(hop);
    }
    const { origin, hops } = reach.get(n)!;
    results.set(n, { ...d, chain, origin, hops });
  }

  for (const n of unmatchedRemoved) results.set(`\u0000${n}`, { status: 'removed', name: n, oldOutput: base.tasks[n]!.output });

  yield;
  const tasks = [...results.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.status === 'removed' ? 1 : -1));
  const counts = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
  for (const t of tasks) counts[t.status]++;
  return { tasks, counts, meta: fieldChanges(base.meta, target.meta, '') };
}
