/**
 * A keystroke inside a string (or a number) of a task's spec, applied to the last analysis instead of
 * analysing the module again.
 *
 * Most keystrokes in a pipeline land inside such a string (an image tag, a command, a code sha) or
 * number (retries, memory), and a new analysis of a 3,000-task module takes about a hundred
 * milliseconds. When the string is written directly in the object literal given to `dag.task`
 * (through object and array literals only), and the last evaluation showed that nothing could have
 * read it — that literal was evaluated exactly once,
 * outside any speculative branch, and made the spec of the task, whose `spec` the module never read —
 * then the module runs exactly as before except for that one value: nothing branched, looped, threw or
 * computed on it. The new analysis is the last one with that value replaced and every offset after the
 * edit moved. Anything else (a keystroke that ends the string, an escape sequence, a string some message
 * quotes, a last analysis that ran out of budget) is analysed again as usual.
 *
 * `test/analysis/incrementalModel.test.ts` holds this to models built from scratch, and
 * `test/analysis/literalEdits.test.ts` to the cases where it must not apply.
 */
import type ts from 'typescript';
import { freezeSpec } from './finalise';
import { textChange } from './parse';
import type { TaskState } from './values';
import { SK, isArrayLiteral, isObjectLiteral, isPropertyAssignment, isSpreadAssignment, isSpreadElement, isStringLiteralLike, staticPropertyName } from './syntax';
import { UnknownValue, type AnalysedDag, type AnalysedDep, type AnalysedTask, type AnalysisDiagnostic, type ModuleAnalysis, type SourceRange, type TaskReference } from './types';

/** A spec literal of the last evaluation that can take edits of its strings (see the module comment). */
export interface SpecLiteral {
  readonly node: ts.ObjectLiteralExpression;
  readonly dag: number;
  readonly task: number;
}

/**
 * Whether a change of [start, end) lies within a string or number literal of one of `literals` (nodes
 * of the tree they came from): only then is it worth making the table of editable strings.
 */
export function withinSpecLiteral(literals: readonly SpecLiteral[], start: number, end: number): boolean {
  const literal = literals.find((l) => l.node.pos <= start && end <= l.node.end);
  if (!literal) return false;
  // Down to the innermost node holding the change.
  let node: ts.Node = literal.node;
  for (;;) {
    const child: ts.Node | undefined = node.forEachChild((c) => (c.pos <= start && end <= c.end ? c : undefined));
    if (!child) break;
    node = child;
  }
  return isStringLiteralLike(node) || node.kind === SK.NumericLiteral;
}

/** The spec literals of an evaluation's Dags: tasks whose spec is their literal's object, never read. */
export function specLiteralsOf(dags: readonly { readonly tasks: readonly TaskState[] }[], evaluations: ReadonlyMap<ts.ObjectLiteralExpression, number>): SpecLiteral[] {
  const out: SpecLiteral[] = [];
  dags.forEach((dag, d) => {
    for (const t of dag.tasks) {
      if (t.specLiteral && !t.specRead && evaluations.get(t.specLiteral) === 1) out.push({ node: t.specLiteral, dag: d, task: t.index });
    }
  });
  return out;
}

/**
 * Every string (and plain number) that an edit may change in place, in source order, as columns of
 * offsets (shifting them after an edit is a copy and an add).
 */
export class EditableStrings {
  constructor(
    /** The literal's opening quote. */
    readonly starts: Int32Array,
    /** After its closing quote. */
    readonly ends: Int32Array,
    /** Start of the property assignment or array element that wrote it (its `valueRanges` entry). */
    readonly slotStarts: Int32Array,
    /** Whether each is a number (a decimal literal) rather than a string. */
    readonly numbers: Uint8Array,
    readonly owners: readonly { readonly dag: number; readonly task: number; readonly path: readonly (string | number)[]; readonly pathKey: string }[],
  ) {}

  /** The strings found in `literals` (nodes of the tree of the text analysed). */
  static of(literals: readonly SpecLiteral[], sf: ts.SourceFile): EditableStrings {
    const found: { start: number; end: number; slotStart: number; number: boolean; owner: EditableStrings['owners'][number] }[] = [];
    for (const { node, dag, task } of literals) {
      collectLiterals(node, [], sf, (literal, slot, path) => {
        found.push({ start: literal.getStart(sf), end: literal.end, slotStart: slot.getStart(sf), number: literal.kind === SK.NumericLiteral, owner: { dag, task, path, pathKey: JSON.stringify(path) } });
      });
    }
    found.sort((a, b) => a.start - b.start);
    return new EditableStrings(
      Int32Array.from(found, (f) => f.start),
      Int32Array.from(found, (f) => f.end),
      Int32Array.from(found, (f) => f.slotStart),
      Uint8Array.from(found, (f) => (f.number ? 1 : 0)),
      found.map((f) => f.owner),
    );
  }

  /**
   * The index of the literal an edit of [from, to) stays in, or -1: inside a string's quotes, or
   * anywhere in a number, its ends included (a digit typed after the last one).
   */
  inside(from: number, to: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! <= from) lo = mid + 1;
      else hi = mid - 1;
    }
    const i = hi; // the last literal starting at or before `from`
    if (i < 0) return -1;
    const inString = from > this.starts[i]! && to < this.ends[i]!;
    const inNumber = this.numbers[i] === 1 && to <= this.ends[i]!;
    return inString || inNumber ? i : -1;
  }

  /** The same strings after an edit inside string `index` that moved what follows by `delta`. */
  shifted(index: number, delta: number): EditableStrings {
    const starts = this.starts.slice();
    const ends = this.ends.slice();
    const slotStarts = this.slotStarts.slice();
    ends[index] = ends[index]! + delta;
    for (let i = index + 1; i < starts.length; i++) {
      starts[i] = starts[i]! + delta;
      ends[i] = ends[i]! + delta;
      slotStarts[i] = slotStarts[i]! + delta;
    }
    return new EditableStrings(starts, ends, slotStarts, this.numbers, this.owners);
  }
}

/**
 * Calls `found` for each string or number literal under `node` (an object or array literal) reached
 * only through object and array literals, with the property assignment or element that writes it and
 * its path in the spec. Only strings whose value is their text (no escape sequence) and plain decimal
 * numbers, under keys nothing later in the same literal can overwrite (a later spread, computed key or
 * member of the same name).
 */
function collectLiterals(node: ts.Expression, path: readonly (string | number)[], sf: ts.SourceFile, found: (literal: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral | ts.NumericLiteral, slot: ts.Node, path: readonly (string | number)[]) => void): void {
  const visit = (value: ts.Expression, slot: ts.Node, at: readonly (string | number)[]) => {
    if (isStringLiteralLike(value)) {
      if (valueIsText(value, sf)) found(value, slot, at);
    } else if (value.kind === SK.NumericLiteral) {
      if (DECIMAL.test(value.getText(sf))) found(value as ts.NumericLiteral, slot, at);
    } else if (isObjectLiteral(value) || isArrayLiteral(value)) {
      collectLiterals(value, at, sf, found);
    }
  };
  if (isArrayLiteral(node)) {
    node.elements.some((element, i) => {
      // After a spread, indices are not the source's.
      if (isSpreadElement(element)) return true;
      visit(element, element, [...path, i]);
      return false;
    });
    return;
  }
  if (!isObjectLiteral(node)) return;
  const laterKeys = new Set<string>();
  let laterDynamic = false;
  for (let i = node.properties.length - 1; i >= 0; i--) {
    const p = node.properties[i]!;
    // A spread has no key, and a computed one is not known here: either may write any key.
    const key = isSpreadAssignment(p) ? undefined : staticPropertyName(p.name);
    if (isPropertyAssignment(p) && key !== undefined && key !== '__proto__' && !laterDynamic && !laterKeys.has(key)) visit(p.initializer, p, [...path, key]);
    if (key === undefined) laterDynamic = true;
    else laterKeys.add(key);
  }
}

/** A string literal, terminated, whose value is its text between the quotes. */
function valueIsText(literal: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral, sf: ts.SourceFile): boolean {
  if (literal.isUnterminated) return false;
  const raw = sf.text.slice(literal.getStart(sf) + 1, literal.end - 1);
  return raw === literal.text && innerIsText(raw, sf.text[literal.getStart(sf)]!);
}

/**
 * A decimal number literal with nothing to convert: no separators, no leading zeros, no other base, no
 * bigint (its value is `Number(text)`, as the analysis reads number literals).
 */
const DECIMAL = /^(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

/** Whether `inner` between `quote`s is one literal whose value is `inner` itself. */
function innerIsText(inner: string, quote: string): boolean {
  if (inner.includes(quote) || /[\\\r]/.test(inner)) return false;
  if (quote === '`') return !inner.includes('${');
  return (quote === "'" || quote === '"') && !/[\n\u2028\u2029]/.test(inner);
}

export interface StringEdit {
  readonly result: ModuleAnalysis;
  readonly strings: EditableStrings;
  /** The task whose spec changed: only its spec differs from the last analysis' (offsets aside). */
  readonly edited: { readonly dag: number; readonly task: number };
}

/**
 * The analysis of `next`, when it is `text` with an edit inside one of `strings`; undefined when the
 * edit is anything else (then the module is analysed again).
 */
export function applyStringEdit(text: string, next: string, result: ModuleAnalysis, strings: EditableStrings, change = textChange(text, next)): StringEdit | undefined {
  const at = change.start;
  const removedEnd = at + change.removed;
  const index = strings.inside(at, removedEnd);
  if (index < 0) return undefined;
  const delta = change.inserted - change.removed;
  const start = strings.starts[index]!;
  const end = strings.ends[index]!;
  const literal = next.slice(start, end + delta);
  let value: string | number;
  let old: string | number;
  if (strings.numbers[index] === 1) {
    // The edit may touch the number's ends: what follows must not continue it (`2` → `2.`, `2e`).
    if (!DECIMAL.test(literal) || /[0-9A-Za-z_$.\\]/.test(next[end + delta] ?? '') || /[0-9A-Za-z_$.\\]/.test(next[start - 1] ?? '')) return undefined;
    value = Number(literal);
    old = Number(text.slice(start, end));
  } else {
    const quote = text[start]!;
    if (literal.length < 2 || literal[0] !== quote || literal[literal.length - 1] !== quote) return undefined;
    value = literal.slice(1, -1);
    if (!innerIsText(value, quote)) return undefined;
    old = text.slice(start + 1, end - 1);
  }

  const owner = strings.owners[index]!;
  const task = result.dags[owner.dag]?.tasks[owner.task];
  if (!task) return undefined;
  const slot = task.valueRanges.get(owner.pathKey);
  // The value at that path is the one this literal wrote, as the last analysis saw it.
  if (!slot || slot.file !== undefined || slot.start !== strings.slotStarts[index] || task.valueOrigins?.has(owner.pathKey)) return undefined;
  if (!Object.is(valueAt(task.spec, owner.path), old)) return undefined;
  if (result.diagnostics.some((d) => d.code === 'analysis-limit')) return undefined;

  try {
    const moved = new Mover(at, removedEnd, delta, start, end).analysis(result, owner, replaceAt(task.spec, owner.path, value));
    return { result: moved, strings: strings.shifted(index, delta), edited: { dag: owner.dag, task: owner.task } };
  } catch (e) {
    if (e === ANALYSE_AGAIN) return undefined;
    throw e;
  }
}

function valueAt(spec: unknown, path: readonly (string | number)[]): unknown {
  let v = spec;
  for (const key of path) {
    if (typeof v !== 'object' || v === null || !Object.prototype.hasOwnProperty.call(v, key)) return undefined;
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}

/** `spec` with the value at `path` replaced, sharing everything off the path (frozen, as specs are). */
function replaceAt(spec: unknown, path: readonly (string | number)[], value: string | number): unknown {
  if (path.length === 0) return value;
  const [key, ...rest] = path;
  const container = spec as Record<string | number, unknown>;
  const copy = copyOf(container);
  copy[key!] = replaceAt(container[key!], rest, value);
  Object.freeze(copy);
  return copy;
}

/**
 * A shallow copy of a spec's object or array: an array's holes stay holes (only its own indices are
 * copied), and an object's own `__proto__` key stays a data property (spread defines properties; it
 * never sets a prototype).
 */
function copyOf(container: object): Record<string | number, unknown> {
  return (Array.isArray(container) ? Object.assign(new Array(container.length), container) : { ...container }) as Record<string | number, unknown>;
}

/**
 * Thrown when the last analysis cannot simply be moved: something it says may quote the edited text (a
 * message naming code around it), or a value holds itself.
 */
const ANALYSE_AGAIN = Symbol('analyse again');

/**
 * Moves every offset of the analysed module after an edit at [at, removedEnd) of the literal at
 * [literalStart, literalEnd) by `delta` (the literal's own start stays, when a digit is typed before a
 * number). Ranges in other modules (`file` set) stay. An unknown or a diagnostic whose range overlaps
 * the literal may quote it in its message, so the edit is then analysed again.
 */
class Mover {
  private readonly unknowns = new Map<UnknownValue, UnknownValue>();

  constructor(
    private readonly at: number,
    private readonly removedEnd: number,
    private readonly delta: number,
    private readonly literalStart: number,
    private readonly literalEnd: number,
  ) {}

  private offset(x: number): number {
    return x >= this.removedEnd && x !== this.literalStart ? x + this.delta : x;
  }

  range<R extends SourceRange | undefined>(r: R): R {
    if (r === undefined || r.file !== undefined || r.end < this.at) return r;
    return { start: this.offset(r.start), end: this.offset(r.end) } as R;
  }

  private quoted(r: SourceRange): void {
    if (r.file === undefined && r.start < this.literalEnd && r.end > this.literalStart) throw ANALYSE_AGAIN;
  }

  unknown(u: UnknownValue): UnknownValue {
    let moved = this.unknowns.get(u);
    if (!moved) {
      this.quoted(u.range);
      const range = this.range(u.range);
      moved = range === u.range ? u : new UnknownValue(u.why, range, u.origin);
      this.unknowns.set(u, moved);
    }
    return moved;
  }

  private maybeUnknown(u: UnknownValue | undefined): UnknownValue | undefined {
    return u && this.unknown(u);
  }

  private ranges(map: ReadonlyMap<string, SourceRange>): ReadonlyMap<string, SourceRange> {
    let moved: Map<string, SourceRange> | undefined;
    for (const [key, r] of map) {
      const m = this.range(r);
      if (m !== r) (moved ??= new Map(map)).set(key, m);
    }
    return moved ?? map;
  }

  /**
   * A spec or meta with its unknowns moved (the same object when none moves). A value that holds
   * itself is left to a new analysis.
   */
  private value(v: unknown, active: Set<object>): unknown {
    if (typeof v !== 'object' || v === null) return v;
    if (v instanceof UnknownValue) return this.unknown(v);
    const proto = Object.getPrototypeOf(v);
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) return v; // a stand-in
    if (active.has(v)) throw ANALYSE_AGAIN;
    active.add(v);
    try {
      let copy: Record<string | number, unknown> | undefined;
      const source = v as Record<string | number, unknown>;
      for (const k of Array.isArray(v) ? Object.keys(v).map(Number) : Object.keys(v)) {
        const x = source[k];
        const m = this.value(x, active);
        if (m === x) continue;
        copy ??= copyOf(v);
        copy[k] = m;
      }
      if (!copy) return v;
      freezeSpec(copy);
      return copy;
    } finally {
      active.delete(v);
    }
  }

  private dep(d: AnalysedDep): AnalysedDep {
    if (d.range.end < this.at && d.callRange.end < this.at && (!d.unknown || d.unknown.range.end < this.at) && (!d.via || d.via.every((r) => r.end < this.at))) return d;
    // A copy keeps the fields in the order the analysis set them (the same shape, the same rendering).
    const moved: Mutable<AnalysedDep> = { ...d };
    moved.range = this.range(d.range);
    moved.callRange = this.range(d.callRange);
    if (d.nameLiteralRange) moved.nameLiteralRange = this.range(d.nameLiteralRange);
    if (d.unknown) moved.unknown = this.unknown(d.unknown);
    if (d.via) moved.via = d.via.map((r) => this.range(r));
    return moved;
  }

  private task(t: AnalysedTask, spec: unknown): AnalysedTask {
    const movedSpec = this.value(spec, new Set());
    let deps = t.deps;
    for (let i = 0; i < deps.length; i++) {
      const d = this.dep(deps[i]!);
      if (d === deps[i]) continue;
      if (deps === t.deps) deps = deps.slice();
      (deps as AnalysedDep[])[i] = d;
    }
    const valueRanges = this.ranges(t.valueRanges);
    const nameUnknown = this.maybeUnknown(t.nameUnknown);
    const tainted = this.maybeUnknown(t.tainted);
    // A task before the edit, with nothing after it: the same object.
    if (t.callRange.end < this.at && movedSpec === t.spec && deps === t.deps && valueRanges === t.valueRanges && nameUnknown === t.nameUnknown && tainted === t.tainted) return t;
    // Field by field, as the analysis builds them (optional fields absent, not undefined).
    const moved: Mutable<AnalysedTask> = {
      spec: movedSpec,
      deps,
      callRange: this.range(t.callRange),
      calleeRange: this.range(t.calleeRange),
      nameRange: this.range(t.nameRange),
      specRange: this.range(t.specRange),
      valueRanges,
      iteration: t.iteration,
    };
    if (t.name !== undefined) moved.name = t.name;
    if (nameUnknown) moved.nameUnknown = nameUnknown;
    if (tainted) moved.tainted = tainted;
    if (t.nameLiteralRange) moved.nameLiteralRange = this.range(t.nameLiteralRange);
    if (t.madeAt) moved.madeAt = t.madeAt;
    if (t.valueOrigins) moved.valueOrigins = t.valueOrigins;
    return moved;
  }

  private dag(d: AnalysedDag, index: number, edited: { dag: number; task: number }, spec: unknown): AnalysedDag {
    const moved: Mutable<AnalysedDag> = {
      ...d,
      range: this.range(d.range),
      meta: this.value(d.meta, new Set()),
      metaValueRanges: this.ranges(d.metaValueRanges),
      tasks: d.tasks.map((t, i) => this.task(t, index === edited.dag && i === edited.task ? spec : t.spec)),
    };
    if (d.metaRange) moved.metaRange = this.range(d.metaRange);
    const tainted = this.maybeUnknown(d.tainted);
    if (tainted) moved.tainted = tainted;
    return moved;
  }

  private diagnostic(d: AnalysisDiagnostic): AnalysisDiagnostic {
    this.quoted(d.range);
    const range = this.range(d.range);
    return range === d.range ? d : { ...d, range };
  }

  analysis(result: ModuleAnalysis, edited: { dag: number; task: number }, spec: unknown): ModuleAnalysis {
    const runCalls = new Set<number>();
    for (const pos of result.runCalls) runCalls.add(this.offset(pos));
    return {
      ...result,
      dags: result.dags.map((d, i) => this.dag(d, i, edited, spec)),
      diagnostics: result.diagnostics.map((d) => this.diagnostic(d)),
      references: result.references.map((r): TaskReference => (r.range.end < this.at ? r : { dag: r.dag, task: r.task, range: this.range(r.range), kind: r.kind })),
      completionSites: result.completionSites.map((s) => (s.range.end < this.at ? s : { dag: s.dag, range: this.range(s.range) })),
      runCalls,
      unfollowedTaskCalls: result.unfollowedTaskCalls.map((c) => ({ calleeRange: this.range(c.calleeRange), why: this.unknown(c.why) })),
    };
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
