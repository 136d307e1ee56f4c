/**
 * Speculative evaluation of a branch on a condition the analysis cannot decide
 * (`if (process.env.PROD) dag.task('deploy', …)`).
 *
 * Each branch is evaluated with a journal that keeps, for every variable, object, array, Dag, task and
 * closure that existed before the branch, its state before the branch first changed it. After a branch,
 * its resulting state is noted and everything is restored; after all branches, the states are merged:
 * what every branch left the same stays known, what differs becomes unknown, and tasks that only some
 * branch makes become tasks "defined only if …" (shown without output). Whatever a merge cannot
 * express exactly is tainted, so the merged state is always a conservative view of every run.
 *
 * Objects made during a branch are not journaled: nothing that existed before refers to them, except
 * through journaled locations, which the merge compares by identity.
 */
import type { AnalysedDep } from './types';
import { ArrayValue, type Binding, type Scope, Closure, DagState, IteratorValue, ObjectValue, Opaque, TaskState, UnknownValue, reachOf, type HeapValue, type MutableHeapValue, type Slot, type Value } from './values';

interface ObjectSnapshot { readonly props: Map<string, Slot>; readonly tainted: UnknownValue | undefined; readonly frozen: boolean }
interface ArraySnapshot { readonly items: (Slot | undefined)[]; readonly tainted: UnknownValue | undefined; readonly frozen: boolean }
interface DagSnapshot { readonly tasks: TaskState[]; readonly firstByName: Map<string, TaskState>; readonly firstUnknownName: number | undefined; readonly tainted: UnknownValue | undefined; readonly escaped: boolean }
interface TaskSnapshot { readonly deps: AnalysedDep[]; readonly tainted: UnknownValue | undefined }
interface ClosureSnapshot { readonly escaped: boolean }
interface IteratorSnapshot { readonly state: IteratorValue['state'] }
type HeapSnapshot = ObjectSnapshot | ArraySnapshot | DagSnapshot | TaskSnapshot | ClosureSnapshot | IteratorSnapshot;
interface BindingSnapshot { readonly value: Value; readonly initialised: boolean; readonly volatile: UnknownValue | undefined }

/** The states before a branch changed them (the journal), or after it (its outcome). */
export interface States {
  readonly heap: Map<MutableHeapValue, HeapSnapshot>;
  readonly bindings: Map<Binding, BindingSnapshot>;
  /** Bindings declared in (or replaced in) scopes that existed before: name → the binding before. */
  readonly scopes: Map<Scope, Map<string, Binding | undefined>>;
}

export class Journal implements States {
  readonly heap = new Map<MutableHeapValue, HeapSnapshot>();
  readonly bindings = new Map<Binding, BindingSnapshot>();
  readonly scopes = new Map<Scope, Map<string, Binding | undefined>>();
  constructor(
    /** Serial numbers from here on are objects made during the branch. */
    readonly startSerial: number,
    readonly builtinsPatched: UnknownValue | undefined,
  ) {}

  touch(x: MutableHeapValue): void {
    if (x.serial < this.startSerial && !this.heap.has(x)) this.heap.set(x, snapshotHeap(x));
  }

  touchBinding(b: Binding): void {
    if (!this.bindings.has(b)) this.bindings.set(b, snapshotBinding(b));
  }

  touchScope(scope: Scope, name: string): void {
    if (scope.serial >= this.startSerial) return;
    let names = this.scopes.get(scope);
    if (!names) this.scopes.set(scope, (names = new Map()));
    if (!names.has(name)) names.set(name, scope.bindings.get(name));
  }

  /** The current state of everything this journal has seen change. */
  outcome(): States {
    const heap = new Map<MutableHeapValue, HeapSnapshot>();
    for (const x of this.heap.keys()) heap.set(x, snapshotHeap(x));
    const bindings = new Map<Binding, BindingSnapshot>();
    for (const b of this.bindings.keys()) bindings.set(b, snapshotBinding(b));
    const scopes = new Map<Scope, Map<string, Binding | undefined>>();
    for (const [scope, names] of this.scopes) scopes.set(scope, new Map([...names.keys()].map((n) => [n, scope.bindings.get(n)])));
    return { heap, bindings, scopes };
  }

  /** Every heap value the changed locations held before (what code that saw an earlier state can reach). */
  earlierValues(): HeapValue[] {
    const values: Value[] = [...this.heap.keys()];
    for (const [x, snap] of this.heap) {
      if (x instanceof ObjectValue) for (const sl of (snap as ObjectSnapshot).props.values()) values.push(sl.value);
      else if (x instanceof ArrayValue) for (const sl of (snap as ArraySnapshot).items) if (sl) values.push(sl.value);
      else if (x instanceof DagState) values.push(...(snap as DagSnapshot).tasks);
    }
    for (const snap of this.bindings.values()) values.push(snap.value);
    for (const names of this.scopes.values()) for (const b of names.values()) if (b) values.push(b.value);
    return reachOf(values);
  }

  /** Puts everything back as it was before the branch. */
  undo(): void {
    for (const [x, s] of this.heap) restoreHeap(x, s);
    for (const [b, s] of this.bindings) Object.assign(b, { value: s.value, initialised: s.initialised, volatile: s.volatile });
    for (const [scope, names] of this.scopes) {
      for (const [name, before] of names) {
        if (before) scope.bindings.set(name, before);
        else scope.bindings.delete(name);
      }
    }
  }
}

function snapshotHeap(x: MutableHeapValue): HeapSnapshot {
  if (x instanceof ObjectValue) return { props: new Map(x.props), tainted: x.tainted, frozen: x.frozen };
  if (x instanceof ArrayValue) return { items: x.items.slice(), tainted: x.tainted, frozen: x.frozen };
  if (x instanceof DagState) return { tasks: x.tasks.slice(), firstByName: new Map(x.firstByName), firstUnknownName: x.firstUnknownName, tainted: x.tainted, escaped: x.escaped };
  if (x instanceof TaskState) return { deps: x.deps.slice(), tainted: x.tainted };
  if (x instanceof IteratorValue) return { state: x.state };
  return { escaped: x.escaped };
}

function snapshotBinding(b: Binding): BindingSnapshot {
  return { value: b.value, initialised: b.initialised, volatile: b.volatile };
}

function restoreHeap(x: MutableHeapValue, s: HeapSnapshot): void {
  if (x instanceof ObjectValue) {
    const o = s as ObjectSnapshot;
    x.props.clear();
    for (const [k, v] of o.props) x.props.set(k, v);
    x.tainted = o.tainted;
    x.frozen = o.frozen;
  } else if (x instanceof ArrayValue) {
    const a = s as ArraySnapshot;
    x.items = a.items.slice();
    x.tainted = a.tainted;
    x.frozen = a.frozen;
  } else if (x instanceof DagState) {
    const d = s as DagSnapshot;
    x.tasks.length = 0;
    x.tasks.push(...d.tasks);
    x.firstByName.clear();
    for (const [k, v] of d.firstByName) x.firstByName.set(k, v);
    x.firstUnknownName = d.firstUnknownName;
    x.tainted = d.tainted;
    x.escaped = d.escaped;
  } else if (x instanceof TaskState) {
    const t = s as TaskSnapshot;
    x.deps.length = 0;
    x.deps.push(...t.deps);
    x.tainted = t.tainted;
  } else if (x instanceof IteratorValue) {
    x.state = (s as IteratorSnapshot).state;
  } else {
    x.escaped = (s as ClosureSnapshot).escaped;
  }
}

/** What the merge needs from the evaluator: writes that are themselves journaled, and escape. */
export interface MergeHost {
  touch(x: MutableHeapValue): void;
  touchBinding(b: Binding): void;
  touchScope(scope: Scope, name: string): void;
  escape(value: Value, why: UnknownValue): void;
  taintDag(dag: DagState, why: UnknownValue): void;
  builtinsPatched: UnknownValue | undefined;
  readonly dags: readonly DagState[];
}

/** One branch's result: the states it changed (before and after) and what it evaluated to. */
export interface Branch<T> {
  readonly before: States;
  readonly after: States;
  readonly builtinsPatched: UnknownValue | undefined;
  readonly result: T;
}

/**
 * Merges the branches' states into the current (restored) state. `why` is the reason for values that
 * differ; `onlyIf` for tasks and Dags that only some branches make. Returns the mapping from tasks a
 * branch made to the task that stands for them after the merge (to merge the branches' results).
 */
export function mergeBranches<T>(host: MergeHost, branches: readonly Branch<T>[], startSerial: number, why: UnknownValue, onlyIf: UnknownValue): (v: Value) => Value {
  const taskMap = new Map<TaskState, TaskState>();
  const map = (v: Value): Value => (v instanceof TaskState ? (taskMap.get(v) ?? v) : v);
  const same = (a: Value, b: Value): boolean => Object.is(map(a), map(b));
  const differ = (values: readonly Value[]): Opaque => new Opaque(why, reachOf(values.map(map)));
  const before = <K, S>(key: K, pick: (s: States) => Map<K, S>): S => {
    for (const b of branches) {
      const s = pick(b.before).get(key);
      if (s !== undefined) return s;
    }
    throw new Error('merge: a location no branch changed');
  };
  const outcomes = <K, S>(key: K, pick: (s: States) => Map<K, S>): S[] => branches.map((b) => pick(b.after).get(key) ?? before(key, pick));
  const keysOf = <K>(pick: (s: States) => Map<K, unknown>): Set<K> => new Set(branches.flatMap((b) => [...pick(b.after).keys()]));
  const unknownDep = (): AnalysedDep => ({ unknown: why, range: why.range, callRange: why.range, argumentIndex: 0, argumentCount: 0 });
  const toEscape: [Value, UnknownValue][] = [];

  // Dags first: the tasks the branches made decide the task mapping used for every other value.
  for (const dag of keysOf((s) => s.heap)) {
    if (!(dag instanceof DagState)) continue;
    const pre = before(dag, (s) => s.heap) as DagSnapshot;
    const outs = outcomes(dag, (s) => s.heap) as DagSnapshot[];
    const made = outs.map((o) => o.tasks.slice(pre.tasks.length));
    const first = made[0]!;
    const pairable = made.every((m) => m.length === first.length && m.every((t, i) => t.name !== undefined && t.name === first[i]!.name));
    let tasks: TaskState[];
    if (pairable) {
      // Every branch makes the same tasks: one task each, known where the branches agree.
      tasks = first.map((t, i) => {
        const all = made.map((m) => m[i]!);
        const spec = all.every((x) => x.spec === t.spec) ? t.spec : differ(all.map((x) => x.spec));
        const merged = new TaskState(dag, t.name, undefined, spec, t.ranges, t.iteration, pre.tasks.length + i);
        for (const x of all) taskMap.set(x, merged);
        merged.tainted = all.find((x) => x.tainted)?.tainted;
        return merged;
      });
      // Their dependencies, once the mapping is known.
      tasks.forEach((merged, i) => {
        const all = made.map((m) => m[i]!);
        merged.deps.push(...(all.every((x) => sameDeps(x.deps, all[0]!.deps)) ? all[0]!.deps : [unknownDep()]));
      });
    } else {
      tasks = made.flat();
      tasks.forEach((t, i) => {
        t.index = pre.tasks.length + i;
        t.tainted ??= onlyIf;
      });
    }
    host.touch(dag);
    dag.tasks.length = 0;
    dag.tasks.push(...pre.tasks, ...tasks);
    dag.firstByName.clear();
    dag.firstUnknownName = undefined;
    dag.tasks.forEach((t, i) => {
      if (t.name === undefined) dag.firstUnknownName ??= i;
      else if (!dag.firstByName.has(t.name)) dag.firstByName.set(t.name, t);
    });
    dag.tainted = pre.tainted;
    dag.escaped = pre.escaped;
    const tainted = outs.find((o) => o.tainted)?.tainted;
    if (tainted) host.taintDag(dag, tainted);
    // Escaped on a branch: what it exposed was escaped there too (and merged as such); escape again
    // for the tasks the merge made.
    if (outs.some((o) => o.escaped)) toEscape.push([dag, tainted ?? why]);
  }

  // Dags made during a branch exist only on that branch.
  for (const dag of host.dags) if (dag.serial >= startSerial) host.taintDag(dag, onlyIf);

  for (const x of keysOf((s) => s.heap)) {
    if (x instanceof DagState) continue;
    const pre = before(x, (s) => s.heap);
    const outs = outcomes(x, (s) => s.heap);
    host.touch(x);
    if (x instanceof TaskState) {
      const depsBefore = (pre as TaskSnapshot).deps.length;
      const added = (outs as TaskSnapshot[]).map((o) => o.deps.slice(depsBefore));
      x.deps.length = depsBefore;
      x.deps.push(...(added.every((d) => sameDeps(d, added[0]!)) ? added[0]! : [unknownDep()]));
      x.tainted = (outs as TaskSnapshot[]).find((o) => o.tainted)?.tainted ?? (pre as TaskSnapshot).tainted;
    } else if (x instanceof Closure) {
      x.escaped = (outs as ClosureSnapshot[]).some((o) => o.escaped);
    } else if (x instanceof IteratorValue) {
      // Used up on one branch, not on another: how far it went is not known.
      const states = (outs as IteratorSnapshot[]).map((o) => o.state);
      x.state = states.every((st) => st === states[0]) ? states[0]! : 'unknown';
    } else if (x instanceof ObjectValue) {
      const o = outs as ObjectSnapshot[];
      const keys = [...o[0]!.props.keys()];
      const shape = o.every((s) => s.frozen === o[0]!.frozen && s.props.size === keys.length && [...s.props.keys()].every((k, i) => k === keys[i] && !!s.props.get(k)!.accessor === !!o[0]!.props.get(k)!.accessor));
      if (shape) {
        x.props.clear();
        for (const k of keys) {
          const slots = o.map((s) => s.props.get(k)!);
          const first = slots[0]!;
          const value = slots.every((sl) => same(sl.value, first.value)) ? map(first.value) : differ(slots.map((sl) => sl.value));
          x.props.set(k, { value, range: first.range, ...(first.accessor ? { accessor: true } : {}) });
        }
        x.frozen = o[0]!.frozen;
      } else {
        // Not expressible: unknown, and so is everything any branch put in it (it may be reached
        // through it later).
        toEscape.push([x, why]);
        for (const s of o) for (const sl of s.props.values()) toEscape.push([map(sl.value), why]);
      }
      const tainted = o.find((s) => s.tainted)?.tainted;
      if (tainted) toEscape.push([x, tainted]);
    } else if (x instanceof ArrayValue) {
      const a = outs as ArraySnapshot[];
      const length = a[0]!.items.length;
      const shape = a.every((s) => s.frozen === a[0]!.frozen && s.items.length === length && s.items.every((sl, i) => !sl === !a[0]!.items[i]));
      if (shape) {
        x.items = a[0]!.items.map((first, i) => {
          if (!first) return undefined;
          const slots = a.map((s) => s.items[i]!);
          return { value: slots.every((sl) => same(sl.value, first.value)) ? map(first.value) : differ(slots.map((sl) => sl.value)), range: first.range };
        });
        x.frozen = a[0]!.frozen;
      } else {
        toEscape.push([x, why]);
        for (const s of a) for (const sl of s.items) if (sl) toEscape.push([map(sl.value), why]);
      }
      const tainted = a.find((s) => s.tainted)?.tainted;
      if (tainted) toEscape.push([x, tainted]);
    }
  }

  for (const b of keysOf((s) => s.bindings)) {
    const outs = outcomes(b, (s) => s.bindings);
    const first = outs[0]!;
    host.touchBinding(b);
    const agree = outs.every((o) => o.initialised === first.initialised && same(o.value, first.value));
    b.value = agree ? map(first.value) : differ(outs.map((o) => o.value));
    b.initialised = outs.some((o) => o.initialised);
    b.volatile = outs.find((o) => o.volatile)?.volatile;
  }

  for (const scope of keysOf((s) => s.scopes)) {
    const names = new Set(branches.flatMap((br) => [...(br.after.scopes.get(scope)?.keys() ?? [])]));
    for (const name of names) {
      const finals = branches.map((br) => (br.after.scopes.get(scope)?.has(name) ? br.after.scopes.get(scope)!.get(name) : scope.bindings.get(name)));
      if (finals.every((f) => f === finals[0])) continue;
      host.touchScope(scope, name);
      // A declaration made on one branch only: the name exists, its value is not known.
      scope.bindings.set(name, { value: differ(finals.map((f) => f?.value)), kind: 'var', initialised: true });
    }
  }

  host.builtinsPatched = branches.find((b) => b.builtinsPatched)?.builtinsPatched ?? host.builtinsPatched;
  for (const [x, w] of toEscape) host.escape(x, w);
  return map;
}

/** Same dependencies: the same known names in the same order (unknown ones never compare equal). */
function sameDeps(a: readonly AnalysedDep[], b: readonly AnalysedDep[]): boolean {
  return a.length === b.length && a.every((d, i) => d.name !== undefined && d.unknown === undefined && d.name === b[i]!.name && b[i]!.unknown === undefined);
}
