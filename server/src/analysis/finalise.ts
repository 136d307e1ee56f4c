/**
 * Turns the evaluator's state at the end of the module into the analysis result: each spec and meta
 * materialised as plain values (as they stand at the end, since the runtime reads them when encoding),
 * with the source range of every value, and a `not-static` diagnostic for each unknown the Dags see.
 */
import type { Evaluator } from './evaluator';
import { UnknownValue, type AnalysedDag, type AnalysedTask, type SourceRange } from './types';
import { ArrayValue, BuiltinFunction, Closure, DagClassValue, DagState, InstanceValue, CollectionValue, DateValue, ObjectValue, Opaque, TaskState, isPrimitive, orderedKeys, type Value } from './values';

/** Keys JSON.stringify would write as they are, between quotes. */
const SIMPLE_KEY = /^[A-Za-z0-9_$ .:@/-]*$/;

/** Deeper than the core's own limit (200), so that the core reports it, not the analysis. */
const MAX_DEPTH = 256;
/**
 * Values (every array item and object property, not only containers) materialised per module, beyond
 * which specs are unknown. A value shared by many tasks is copied once per task, so this bounds
 * tasks × spec size: each materialised value is later bencoded and hashed on every keystroke, and
 * 500,000 of them take about a quarter of a second here. Real pipelines use a few dozen per task.
 */
const MAX_VALUES = 500_000;
/** How many values between two looks at the clock. */
const DEADLINE_STRIDE = 4096;

// Stand-ins with the runtime's class names, so the core describes them as it would the real objects.
// Named through property keys, which a minifier keeps (it would rename `class Dag {}`).
const { Dag, Task } = { Dag: class {}, Task: class {} };

/** An object whose class has the name of the module's class (the bundle may rename it: only messages differ). */
function instanceStandIn(name: string): object {
  const Stand = { [name]: class {} }[name]!;
  return new Stand();
}

export class Materialiser {
  private values = 0;
  private nextDeadlineCheck = DEADLINE_STRIDE;
  /** Set once a budget is spent: every value materialised after it is this unknown. */
  private spent: UnknownValue | undefined;
  /** The spec or meta being materialised (where a spent budget is reported). */
  private at: SourceRange = { start: 0, end: 0 };
  /** Heap values already copied in the current `materialise` (one map, cleared each time: fewer allocations). */
  private readonly memo = new Map<Value, unknown>();
  /**
   * How many values each copied heap value holds, as the runtime sees it: a value shared twice is
   * encoded twice (`o = [o, o]` forty times over is 2^40 values), so each further use counts it again.
   */
  private readonly sizes = new Map<Value, number>();
  /** Unknowns the Dags see, in order of appearance. */
  readonly seen: UnknownValue[] = [];

  /**
   * `previous`: the Dags of the same module's last analysis. A task's spec equal to its spec there
   * (same task, same values, same key order) is that very object, so that what was computed from it
   * (its check, its encoding, its output ID for the same inputs: see the core's `OutputMemo`) is not
   * computed again. Specs are frozen: shared between analyses, they must never change.
   */
  constructor(private readonly ev: Evaluator, private readonly previous?: readonly AnalysedDag[]) {}

  private see(u: UnknownValue): UnknownValue {
    this.seen.push(u);
    return u;
  }

  /** Where values below the one being materialised were written in other modules (see `materialise`). */
  private origins: Map<string, SourceRange> | undefined;

  /**
   * A plain copy of `value`, recording in `ranges` where each value below it was written (in the
   * analysed module), and in `origins` where in another module, for those written there.
   */
  materialise(value: Value, ranges: Map<string, SourceRange>, origins?: Map<string, SourceRange>): unknown {
    this.memo.clear();
    this.sizes.clear();
    this.origins = origins;
    return this.visit(value, '[]', 0, ranges, this.memo);
  }

  /** `pathKey` is `JSON.stringify(path)` of `v`'s path; `memo` maps heap values already copied (cycles stay cycles). */
  private visit(v: Value, pathKey: string, depth: number, ranges: Map<string, SourceRange>, memo: Map<Value, unknown>): unknown {
    if (this.spent || !this.withinBudget()) return this.see(this.spent!);
    if (isPrimitive(v)) return v;
    if (v instanceof Opaque) return this.see(v.unknown);
    // An instance of a class: an error in a spec or meta, as at run time (when nothing changed what it is).
    if (v instanceof InstanceValue) return v.tainted ? this.see(v.tainted) : instanceStandIn(v.cls.name);
    if (v instanceof ObjectValue || v instanceof ArrayValue) {
      if (v.tainted) return this.see(v.tainted);
      const done = memo.get(v);
      if (done !== undefined) {
        // Shared (its size is known) or cyclic (still being copied: the core reports a cycle as such).
        const size = this.sizes.get(v) ?? 0;
        if (size > 0 && !this.withinBudget(size)) return this.see(this.spent!);
        return done;
      }
      if (depth > MAX_DEPTH) return this.see(this.limit('a value is nested too deeply for the analysis'));
      // The key of a child path: `["a"]` + 2 → `["a",2]`.
      const prefix = pathKey.length > 2 ? `${pathKey.slice(0, -1)},` : '[';
      const before = this.values;
      if (v instanceof ArrayValue) {
        const items = v.items;
        // Holes stay holes, as in the runtime's array (the core reads them as undefined).
        const out: unknown[] = new Array(items.length);
        memo.set(v, out);
        for (let i = 0; i < items.length; i++) {
          const s = items[i];
          if (!s) continue;
          const key = `${prefix}${i}]`;
          if (s.range) ranges.set(key, s.range);
          if (s.origin) this.origins?.set(key, s.origin);
          out[i] = this.visit(s.value, key, depth + 1, ranges, memo);
        }
        this.sizes.set(v, this.values - before);
        return out;
      }
      const out: Record<string, unknown> = {};
      memo.set(v, out);
      for (const k of orderedKeys(v)) {
        const s = v.props.get(k)!;
        const key = `${prefix}${SIMPLE_KEY.test(k) ? `"${k}"` : JSON.stringify(k)}]`;
        if (s.range) ranges.set(key, s.range);
        if (s.origin) this.origins?.set(key, s.origin);
        const x = this.visit(s.value, key, depth + 1, ranges, memo);
        // A key named "__proto__" must stay an own data property (assignment would set the prototype).
        if (k === '__proto__') Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
        else out[k] = x;
      }
      this.sizes.set(v, this.values - before);
      return out;
    }
    if (v instanceof Closure || v instanceof BuiltinFunction || v instanceof DagClassValue) return function stub() {};
    // A Map, Set or Date: an error in a spec or meta at run time, whatever it holds.
    if (v instanceof CollectionValue) return v.kind === 'Map' ? new Map() : new Set();
    if (v instanceof DateValue) return new Date(0);
    if (v instanceof DagState) return new Dag();
    if (v instanceof TaskState) return new Task();
    return this.see(this.limit('a value the analysis does not model'));
  }

  /** Counts `n` more values; false once the module's value or time budget is spent. */
  private withinBudget(n = 1): boolean {
    this.values += n;
    if (this.values > MAX_VALUES) return this.spend(`the specs hold more than ${MAX_VALUES.toLocaleString('en-US')} values, too many for the analysis`);
    if (this.values >= this.nextDeadlineCheck) {
      this.nextDeadlineCheck = this.values + DEADLINE_STRIDE;
      if (this.ev.pastDeadline()) return this.spend(`it takes more than ${this.ev.limits.deadlineMs} ms to evaluate`);
    }
    return true;
  }

  /**
   * Stops materialising, with one `analysis-limit` warning on the spec where it stopped (none when the
   * evaluation itself ran out: its warning says where, and every Dag is tainted already).
   */
  private spend(reason: string): false {
    const why = `the analysis stops here: ${reason}`;
    if (!this.ev.budgetSpent) this.ev.report('analysis-limit', this.at, why);
    this.spent = this.limit(why);
    return false;
  }

  private limit(why: string): UnknownValue {
    const u = new UnknownValue(why, { start: 0, end: 0 });
    this.ev.silent.add(u);
    return u;
  }

  /** The previous analysis' task that stands where `t` does (same Dag, same name and iteration), if any. */
  private previousTask(t: TaskState): AnalysedTask | undefined {
    const dag = this.previous?.[t.dag.index];
    if (!dag || t.name === undefined) return undefined;
    const same = (p: AnalysedTask | undefined) => p !== undefined && p.name === t.name && p.iteration === t.iteration;
    const atIndex = dag.tasks[t.index];
    if (same(atIndex)) return atIndex;
    let byName = this.previousByName.get(dag);
    if (!byName) {
      byName = new Map();
      for (const p of dag.tasks) if (p.name !== undefined) byName.set(`${p.iteration}:${p.name}`, p);
      this.previousByName.set(dag, byName);
    }
    return byName.get(`${t.iteration}:${t.name}`);
  }

  private readonly previousByName = new Map<AnalysedDag, Map<string, AnalysedTask>>();

  dag(state: DagState): AnalysedDag {
    const metaValueRanges = new Map<string, SourceRange>();
    const metaValueOrigins = new Map<string, SourceRange>();
    this.at = state.metaRange ?? state.range;
    const meta = this.materialise(state.meta, metaValueRanges, metaValueOrigins);
    const tasks = state.tasks.map((t) => this.task(t));
    if (state.tainted) this.see(state.tainted);
    const dag: Mutable<AnalysedDag> = { range: state.range, isDefaultExport: state.isDefaultExport, meta, metaValueRanges, tasks };
    if (state.variable !== undefined) dag.variable = state.variable;
    if (state.metaRange) dag.metaRange = state.metaRange;
    if (state.tainted) dag.tainted = state.tainted;
    if (state.madeAt) dag.madeAt = state.madeAt;
    if (state.encodedByModule) dag.encodedByModule = true;
    if (state.madeAt && !state.isDefaultExport && !state.mayBeDefaultExport && !state.encodedByModule && !state.changedHere) dag.fromImportsOnly = true;
    if (metaValueOrigins.size > 0) dag.metaValueOrigins = metaValueOrigins;
    return dag;
  }

  private task(t: TaskState): AnalysedTask {
    const valueRanges = new Map<string, SourceRange>();
    const valueOrigins = new Map<string, SourceRange>();
    if (t.nameUnknown) this.see(t.nameUnknown);
    this.at = t.ranges.specRange;
    let spec = this.materialise(t.spec, valueRanges, valueOrigins);
    if (typeof spec === 'object' && spec !== null) {
      const before = this.previousTask(t)?.spec;
      if (before !== undefined && sameSpec(spec, before)) spec = before;
      else freezeSpec(spec);
    }
    for (const d of t.deps) if (d.unknown) this.see(d.unknown);
    if (t.tainted) this.see(t.tainted);
    const r = t.ranges;
    // Built field by field: optional fields are absent, not undefined.
    const task: Mutable<AnalysedTask> = {
      spec,
      deps: t.deps,
      callRange: r.callRange,
      calleeRange: r.calleeRange,
      nameRange: r.nameRange,
      specRange: r.specRange,
      valueRanges,
      iteration: t.iteration,
    };
    if (t.name !== undefined) task.name = t.name;
    if (t.nameUnknown) task.nameUnknown = t.nameUnknown;
    if (t.tainted) task.tainted = t.tainted;
    if (r.nameLiteralRange) task.nameLiteralRange = r.nameLiteralRange;
    if (r.madeAt) task.madeAt = r.madeAt;
    if (valueOrigins.size > 0) task.valueOrigins = valueOrigins;
    return task;
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Whether a newly materialised spec holds exactly what `before` holds: plain objects with the same keys
 * in the same order, arrays of the same length with holes in the same places, primitives that are
 * `Object.is`. Anything else (an unknown, a function, a Dag or Task stand-in) is never the same as
 * another analysis' one; neither is a spec that holds an object twice (shared or cyclic): those are
 * rare, and comparing them by structure would not say whether both are shared the same way.
 */
function sameSpec(spec: object, before: unknown): boolean {
  const seen = new Set<object>();
  const same = (a: unknown, b: unknown): boolean => {
    if (typeof a !== 'object' || a === null) return Object.is(a, b);
    if (typeof b !== 'object' || b === null || seen.has(a)) return false;
    seen.add(a);
    if (Array.isArray(a)) {
      if (!Array.isArray(b) || a.length !== b.length) return false;
      for (let i = 0; i < a.length; i++) {
        if ((i in a) !== (i in b) || !same(a[i], b[i])) return false;
      }
      return true;
    }
    const proto = Object.getPrototypeOf(a);
    if ((proto !== Object.prototype && proto !== null) || Object.getPrototypeOf(b) !== proto || Array.isArray(b)) return false;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    for (let i = 0; i < ka.length; i++) {
      const k = ka[i]!;
      if (k !== kb[i] || !same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
    }
    return true;
  };
  return same(spec, before);
}

/** Freezes a materialised spec's plain objects and arrays (shared between analyses: see `sameSpec`). */
export function freezeSpec(value: object): void {
  const stack: object[] = [value];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (Object.isFrozen(v)) continue;
    const proto = Object.getPrototypeOf(v);
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) continue;
    Object.freeze(v);
    for (const x of Object.values(v)) if (typeof x === 'object' && x !== null) stack.push(x);
  }
}

/** Every unknown the Dags see gets one `not-static` warning on its expression (unless silent). */
export function reportUnknowns(ev: Evaluator, seen: readonly UnknownValue[]): void {
  for (const u of seen) {
    if (ev.silent.has(u)) continue;
    ev.report('not-static', u.range, u.why, u.origin);
  }
}
