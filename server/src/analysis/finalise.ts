/**
 * Turns the evaluator's state at the end of the module into the analysis result: each spec and meta
 * materialised as plain values (as they stand at the end, since the runtime reads them when encoding),
 * with the source range of every value, and a `not-static` diagnostic for each unknown the Dags see.
 */
import type { Evaluator } from './evaluator';
import { UnknownValue, type AnalysedDag, type AnalysedTask, type SourceRange } from './types';
import { ArrayValue, BuiltinFunction, Closure, DagClassValue, DagState, ObjectValue, Opaque, TaskState, isPrimitive, orderedKeys, type Value } from './values';

/** Keys JSON.stringify would write as they are, between quotes. */
const SIMPLE_KEY = /^[A-Za-z0-9_$ .:@/-]*$/;

/** Deeper than the core's own limit (200), so that the core reports it, not the analysis. */
const MAX_DEPTH = 256;
/** Values materialised per module, beyond which specs are unknown. */
const MAX_NODES = 2_000_000;

// Stand-ins with the runtime's class names, so the core describes them as it would the real objects.
class Dag {}
class Task {}

export class Materialiser {
  private nodes = 0;
  /** Heap values already copied in the current `materialise` (one map, cleared each time: fewer allocations). */
  private readonly memo = new Map<Value, unknown>();
  /** Unknowns the Dags see, in order of appearance. */
  readonly seen: UnknownValue[] = [];

  constructor(private readonly ev: Evaluator) {}

  private see(u: UnknownValue): UnknownValue {
    this.seen.push(u);
    return u;
  }

  /** A plain copy of `value`, recording in `ranges` where each value below it was written. */
  materialise(value: Value, ranges: Map<string, SourceRange>): unknown {
    this.memo.clear();
    return this.visit(value, '[]', 0, ranges, this.memo);
  }

  /** `pathKey` is `JSON.stringify(path)` of `v`'s path; `memo` maps heap values already copied (cycles stay cycles). */
  private visit(v: Value, pathKey: string, depth: number, ranges: Map<string, SourceRange>, memo: Map<Value, unknown>): unknown {
    if (isPrimitive(v)) return v;
    if (v instanceof Opaque) return this.see(v.unknown);
    if (++this.nodes > MAX_NODES) return this.see(this.limit('the specs are too large for the analysis'));
    if (v instanceof ObjectValue || v instanceof ArrayValue) {
      if (v.tainted) return this.see(v.tainted);
      const done = memo.get(v);
      if (done !== undefined) return done; // shared or cyclic: the core reports a cycle as such
      if (depth > MAX_DEPTH) return this.see(this.limit('a value is nested too deeply for the analysis'));
      // The key of a child path: `["a"]` + 2 → `["a",2]`.
      const prefix = pathKey.length > 2 ? `${pathKey.slice(0, -1)},` : '[';
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
          out[i] = this.visit(s.value, key, depth + 1, ranges, memo);
        }
        return out;
      }
      const out: Record<string, unknown> = {};
      memo.set(v, out);
      for (const k of orderedKeys(v)) {
        const s = v.props.get(k)!;
        const key = `${prefix}${SIMPLE_KEY.test(k) ? `"${k}"` : JSON.stringify(k)}]`;
        if (s.range) ranges.set(key, s.range);
        const x = this.visit(s.value, key, depth + 1, ranges, memo);
        // A key named "__proto__" must stay an own data property (assignment would set the prototype).
        if (k === '__proto__') Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
        else out[k] = x;
      }
      return out;
    }
    if (v instanceof Closure || v instanceof BuiltinFunction || v instanceof DagClassValue) return function stub() {};
    if (v instanceof DagState) return new Dag();
    if (v instanceof TaskState) return new Task();
    return this.see(this.limit('a value the analysis does not model'));
  }

  private limit(why: string): UnknownValue {
    const u = new UnknownValue(why, { start: 0, end: 0 });
    this.ev.silent.add(u);
    return u;
  }

  dag(state: DagState): AnalysedDag {
    const metaValueRanges = new Map<string, SourceRange>();
    const meta = this.materialise(state.meta, metaValueRanges);
    const tasks = state.tasks.map((t) => this.task(t));
    if (state.tainted) this.see(state.tainted);
    const dag: Mutable<AnalysedDag> = { range: state.range, isDefaultExport: state.isDefaultExport, meta, metaValueRanges, tasks };
    if (state.variable !== undefined) dag.variable = state.variable;
    if (state.metaRange) dag.metaRange = state.metaRange;
    if (state.tainted) dag.tainted = state.tainted;
    return dag;
  }

  private task(t: TaskState): AnalysedTask {
    const valueRanges = new Map<string, SourceRange>();
    if (t.nameUnknown) this.see(t.nameUnknown);
    const spec = this.materialise(t.spec, valueRanges);
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
    return task;
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Every unknown the Dags see gets one `not-static` warning on its expression (unless silent). */
export function reportUnknowns(ev: Evaluator, seen: readonly UnknownValue[]): void {
  for (const u of seen) {
    if (ev.silent.has(u)) continue;
    ev.report('not-static', u.range, u.why);
  }
}
