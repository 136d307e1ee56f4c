/**
 * The diff as it was before issue 11, kept verbatim as an oracle (only its imports changed): its rename
 * pass compares every added task with every removed one (quadratic), slow but plainly what the
 * statuses mean. A property test in diff.test.ts holds the linear diff to it on random DAGs.
 */
import { CHAIN_LIMIT, TASK_STATUSES, type DagDiff, type FieldChange, type TaskDiff, type TaskStatus } from '../../server/src/core/diff';
import type { EncodedDag, EncodedTask } from '../../server/src/core/outputIds';
import { formatPath, kindOf, valuesEqual, type BencodeDict, type BencodeValue, type PathSegment } from '../../server/src/core/values';

/** Field-level differences between two values (dicts recurse; lists and scalars compare whole). */
function fieldChanges(oldValue: BencodeDict, newValue: BencodeDict, root: string, skip: ReadonlySet<string> = new Set()): FieldChange[] {
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
  const oldInputs = Object.keys(a.inputs ?? {});
  const newInputs = Object.keys(b.inputs ?? {});
  for (const name of newInputs) if (!oldInputs.includes(name)) changes.push({ path: formatPath('inputs', [name]), kind: 'added', new: b.inputs[name]! });
  for (const name of oldInputs) if (!newInputs.includes(name)) changes.push({ path: formatPath('inputs', [name]), kind: 'removed', old: a.inputs[name]! });
  return changes;
}

function sameDefinitionIgnoringInputIds(a: EncodedTask, b: EncodedTask): boolean {
  return definitionChanges(a, b).length === 0;
}

function movedInputs(a: EncodedTask, b: EncodedTask): string[] {
  return Object.keys(b.inputs ?? {}).filter((n) => own(a.inputs ?? {}, n) !== undefined && a.inputs[n] !== b.inputs[n]);
}

export function diffDagsReference(base: EncodedDag, target: EncodedDag): DagDiff {
  const baseNames = Object.keys(base.tasks);
  const targetNames = Object.keys(target.tasks);
  const results = new Map<string, TaskDiff>();

  const removed = baseNames.filter((n) => own(target.tasks, n) === undefined);
  const added = targetNames.filter((n) => own(base.tasks, n) === undefined);

  // Renames: first the same output ID (the very same work), then the same definition, one to one.
  const renamedFrom = new Map<string, string>();
  const unmatchedRemoved = new Set(removed);
  const byOutput = new Map<string, string[]>();
  for (const n of removed) {
    const out = base.tasks[n]!.output;
    byOutput.set(out, [...(byOutput.get(out) ?? []), n]);
  }
  for (const n of added) {
    const candidates = (byOutput.get(target.tasks[n]!.output) ?? []).filter((c) => unmatchedRemoved.has(c));
    if (candidates.length === 1) {
      renamedFrom.set(n, candidates[0]!);
      unmatchedRemoved.delete(candidates[0]!);
    }
  }
  for (const n of added) {
    if (renamedFrom.has(n)) continue;
    const candidates = [...unmatchedRemoved].filter((c) => sameDefinitionIgnoringInputIds(base.tasks[c]!, target.tasks[n]!));
    const rivals = added.filter((m) => !renamedFrom.has(m) && candidates.length === 1 && sameDefinitionIgnoringInputIds(base.tasks[candidates[0]!]!, target.tasks[m]!));
    if (candidates.length === 1 && rivals.length === 1) {
      renamedFrom.set(n, candidates[0]!);
      unmatchedRemoved.delete(candidates[0]!);
    }
  }

  for (const n of targetNames) {
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
    let base = cur === undefined ? { origin: path[path.length - 1]!, hops: -1 } : reach.get(cur) ?? { origin: cur, hops: 0 };
    for (let k = path.length - 1; k >= 0; k--) {
      base = { origin: base.origin, hops: base.hops + 1 };
      reach.set(path[k]!, base);
    }
  }
  for (const [n, d] of results) {
    if (d.status !== 'invalidated') continue;
    const chain: string[] = [];
    for (let hop = nextHop(d); hop !== undefined && chain.length < CHAIN_LIMIT && !chain.includes(hop) && hop !== n; hop = nextHop(results.get(hop))) {
      chain.push(hop);
    }
    const { origin, hops } = reach.get(n)!;
    results.set(n, { ...d, chain, origin, hops });
  }

  for (const n of unmatchedRemoved) results.set(`\u0000${n}`, { status: 'removed', name: n, oldOutput: base.tasks[n]!.output });

  const tasks = [...results.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.status === 'removed' ? 1 : -1));
  const counts = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
  for (const t of tasks) counts[t.status]++;
  return { tasks, counts, meta: fieldChanges(base.meta, target.meta, '') };
}
