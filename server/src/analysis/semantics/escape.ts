/**
 * Escape and havoc: what happens to values handed to code the analysis cannot see, and to code it does
 * not follow step by step (see the README). Everything reachable is tainted for good; closures that
 * escape are havocked; variables a region may assign become unknown.
 */
import ts from 'typescript';
import { UnknownValue } from '../types';
import {
  ArrayValue,
  BuiltinFunction,
  ClassValue,
  Closure,
  InstanceValue,
  DagState,
  IteratorValue,
  CollectionValue,
  DateValue,
  NO_REACH,
  ObjectValue,
  Opaque,
  Scope,
  TaskState,
  reachOf,
  type HeapValue,
  type Value,
  bindingValue,
  ModuleNamespace,
  privateStoreOf,
} from '../values';
import { factsOf, regionFacts, type RegionFacts } from '../regions';
import { declaredWithin } from '../modules/elision';
import { UNREAD_DEEP_CODE, type DeepRegion } from '../deepNesting';
import type { Completion, Interpreter } from '../realm';

/**
 * `value` is handed to code the analysis cannot see, which may keep it and change it at any time:
 * everything reachable from it is tainted for good, every Dag (or Task, whose `.dag` leads to its Dag)
 * among it is tainted, and every closure among it is havocked (it may be called at any time).
 */
export function escape(ev: Interpreter, value: Value, why: UnknownValue): void {
  const work: Value[] = [value];
  const maps = new Set<CollectionValue>();
  const bound = new Set<BuiltinFunction>();
  while (work.length > 0) {
    const v = work.pop();
    // What the object's own class keeps in its private fields: code handed the object can call the
    // class's methods with it.
    if (v !== null && typeof v === 'object') {
      const privates = privateStoreOf(v, false);
      if (privates && !privates.tainted) work.push(privates);
    }
    if (v instanceof ObjectValue) {
      if (v.tainted) continue;
      ev.touch(v);
      v.tainted = why;
      ev.charge(v.props.size + 1, ev.sf);
      for (const s of v.props.values()) work.push(s.value);
      // Code handed an instance can call its methods (and change its class).
      if (v instanceof InstanceValue) work.push(v.cls);
    } else if (v instanceof ArrayValue) {
      if (v.tainted) continue;
      ev.touch(v);
      v.tainted = why;
      ev.charge(v.items.length + 1, ev.sf);
      for (const s of v.items) if (s) work.push(s.value);
    } else if (v instanceof Closure) {
      if (v.escaped) continue;
      ev.touch(v);
      v.escaped = true;
      const reach = havoc(ev, [v.node], v.scope, why, { volatile: true });
      work.push(...reach);
      // A class: its static members, and the class it extends.
      if (v instanceof ClassValue) work.push(v.statics, ...(v.parent ? [v.parent] : []));
    } else if (v instanceof DagState) {
      ev.taintDag(v, why);
      if (v.escaped) continue;
      ev.touch(v);
      v.escaped = true;
      // `dag.meta`, `dag.tasks[i].spec`: objects that may also be used elsewhere.
      work.push(v.meta);
      for (const t of v.tasks) work.push(t.spec);
    } else if (v instanceof TaskState) {
      // `task.dag` leads to the whole Dag.
      work.push(v.dag);
    } else if (v instanceof IteratorValue) {
      // The code may call its `next`.
      if (v.state !== 'unknown') {
        ev.touch(v);
        v.state = 'unknown';
      }
      work.push(v.source);
    } else if (v instanceof DateValue) {
      work.push(v.store);
    } else if (v instanceof CollectionValue) {
      // Its entries, and the objects used as keys (the code can iterate it). Once: a Map may be its
      // own key.
      if (maps.has(v)) continue;
      maps.add(v);
      work.push(v.store, ...v.keys.values());
    } else if (v instanceof BuiltinFunction) {
      // (Not journaled: after a branch that is undone, the function stays unknown, which is only cautious.)
      ev.escapedBuiltins.add(v);
      // A bound function: the code may call it. Each time it escapes (an undone branch's escape of what
      // it holds is undone), once per escape: bound functions may hold one another.
      if (v.options.captures && !bound.has(v)) {
        bound.add(v);
        work.push(...v.options.captures);
      }
    } else if (v instanceof ModuleNamespace) {
      // The code may also give it properties of its own.
      v.tainted ??= why;
      // Its members are the module's exports: code handed it can reach (and change) them.
      work.push(...v.values());
    } else if (v instanceof Opaque) {
      // Handed on its own or inside an object (`{ re }`), a regular expression literal may be changed
      // by the code (`re.compile(…)`). So may any other a merge made this one from (`cond ? buf : []`):
      // what is remembered of one (a pattern, a file's bytes) no longer holds.
      v.forget();
      ev.havocEpoch++;
      work.push(...v.reach);
    }
  }
}

/**
 * Conservatively applies whatever `nodes` might do, without evaluating them: see the module comment.
 * Returns the heap values the region could reach (and so return, or leave in a variable).
 */
export function havoc(ev: Interpreter, nodes: readonly ts.Node[], scope: Scope, why: UnknownValue, options: { volatile?: boolean; reach?: readonly HeapValue[] } = {}): HeapValue[] {
  ev.mayThrow();
  // The region may change what it can reach, a file's Buffer or a pattern among it (an escaped closure's body too).
  ev.havocEpoch++;
  const facts: RegionFacts = nodes.length === 1 ? factsOf(nodes[0]!) : regionFacts(nodes);
  ev.charge(facts.size, nodes[0] ?? ev.sf);
  // A direct eval in the region can read and assign any variable, named or not.
  if (facts.names.has('eval') && !scope.lookup('eval')) ev.directEval(scope, nodes[0] ?? ev.sf);
  if (facts.taskCalls.length > 0) {
    const roots = new Set<ts.Node>(nodes);
    for (const call of facts.taskCalls) noteUnfollowedTaskCall(ev, call, scope, why, roots);
  }
  const reach: HeapValue[] = [...(options.reach ?? NO_REACH)];
  for (const name of facts.names) {
    const b = scope.lookup(name);
    if (!b) continue;
    // An import of a module the analysis reads holds that module's value (it can be changed through it).
    const value = b.importedFrom ? bindingValue(b) : b.value;
    reach.push(...reachOf([value]));
  }
  if (facts.usesThis) reach.push(...reachOf([scope.thisValue()]));
  for (const name of facts.assigned) {
    const b = scope.lookup(name);
    if (!b || b.importedFrom || b.kind === 'const') continue;
    ev.touchBinding(b);
    b.value = new Opaque(why, reach);
    b.initialised = true;
    if (options.volatile) b.volatile = why;
  }
  for (const v of reach) escape(ev, v, why);
  return reach;
}

/**
 * A `dag.task(…)` call in havocked code: where the user looks for its lens, say why there is no ID
 * rather than nothing. Only when the receiver names a Dag here (not any object with a `task` method).
 */
function noteUnfollowedTaskCall(ev: Interpreter, call: ts.CallExpression, scope: Scope, why: UnknownValue, roots: ReadonlySet<ts.Node>): void {
  const callee = call.expression as ts.PropertyAccessExpression;
  const receiver = callee.expression as ts.Identifier;
  // A name the skipped code declares itself (`for (const dag of …)`, a callback's parameter) is not the Dag.
  if (declaredWithin(receiver, roots)) return;
  const b = scope.lookup(receiver.text);
  const value = b && (b.importedFrom ? bindingValue(b) : b.value);
  if (value instanceof DagState) ev.noteUnfollowedTaskCall(call, callee, why);
}

/** Havocs the rest of a statement list after control became uncertain, and passes the uncertainty on. */
export function havocRest(ev: Interpreter, rest: readonly ts.Statement[], scope: Scope, c: Extract<Completion, { kind: 'uncertain' }>): Completion {
  if (rest.length === 0) return c;
  const reach = havoc(ev, rest, scope, c.why);
  return { kind: 'uncertain', why: c.why, reach: [...c.reach, ...reach] };
}

/** A region was havocked: whether control may have left it through `return`/`break`/`continue`. */
export function afterHavoc(_ev: Interpreter, facts: RegionFacts, why: UnknownValue, reach: readonly HeapValue[]): Completion {
  return facts.mayReturn || facts.mayJumpOut ? { kind: 'uncertain', why, reach } : undefined;
}

/**
 * Why code controlled by an unknown value (a condition, a loop's bounds) is not followed. Placed on
 * the controlling expression, and says what made it unknown when that is elsewhere.
 */
export function conditionUnknown(ev: Interpreter, cond: Opaque, node: ts.Node, what: string): UnknownValue {
  const cause = ev.sameSpot(cond.unknown, node) ? cond.unknown.why : `${ev.text(node)} is not static (${cond.unknown.why})`;
  return ev.unknown(`${what}: ${cause}`, node);
}

/**
 * Code the parser could not read (nested too deeply; see `deepNesting.ts`), standing for `node`: an
 * `analysis-limit` on it, and havoc of whatever it names. Its value, and how control leaves it when it
 * is a statement.
 */
export function unreadCode(ev: Interpreter, node: ts.Identifier, region: DeepRegion, scope: Scope): { value: Opaque; completion: Completion } {
  const here = ev.inEntry(node);
  const why = new UnknownValue(UNREAD_DEEP_CODE, here ? region.range : ev.range(node), here ? undefined : { ...region.range, file: ev.fileOf(node).fileName });
  ev.report('analysis-limit', why.range, UNREAD_DEEP_CODE, why.origin);
  ev.silent.add(why);
  const reach = havoc(ev, [node], scope, why);
  return { value: new Opaque(why, reach), completion: afterHavoc(ev, factsOf(node), why, reach) };
}
