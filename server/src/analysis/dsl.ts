/**
 * The `a-la-mode` DSL as the analysis models it, mirroring `server/src/runtime/index.ts`:
 * `new Dag(meta = {})`, `dag.task(name, spec)` (spec kept by reference), `dag.get(name)` (the first
 * task of that name; throws if none), `task.addDep(...tasksOrNames)` (returns the task).
 */
import ts from 'typescript';
import type { Interpreter } from './realm';
import type { AnalysedDep, SourceRange } from './types';
import {
  ArrayValue,
  BuiltinFunction,
  DagState,
  ObjectValue,
  Opaque,
  SpreadOpaque,
  TaskState,
  UnknownValue,
  type ArgInfo,
  type CallSite,
  type Realm,
  type Value,
} from './values';
import { describeValue } from './builtins/support';
import { isObjectLiteral, isStringLiteralLike, skipOuter } from './syntax';

/** The text inside a string literal's quotes (to its end when the literal is not terminated yet). */
export function insideQuotes(node: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral, sf: ts.SourceFile): SourceRange {
  const start = node.getStart(sf) + 1;
  const end = node.end - (node.isUnterminated ? 0 : 1);
  return { start: Math.min(start, end), end };
}

/**
 * A task-name literal in another module (a helper the pipeline calls), with its file: definition,
 * references and rename reach it there. (Ranges of the analysed module's own literals have no file.)
 */
function literalElsewhere(ev: Interpreter, literal: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral | undefined): SourceRange | undefined {
  if (!literal || ev.inEntry(literal)) return undefined;
  const sf = ev.fileOf(literal);
  return { ...insideQuotes(literal, sf), file: sf.fileName };
}

function literalArg(info: ArgInfo | undefined): ts.StringLiteral | ts.NoSubstitutionTemplateLiteral | undefined {
  if (!info || info.spread || !info.node) return undefined;
  // `('a')`, `'a' as const` and `'a'!` are the literal as written, for rename and completion alike.
  const n = skipOuter(info.node);
  return isStringLiteralLike(n) ? n : undefined;
}

export function newDag(ev: Interpreter, args: readonly Value[], site: CallSite, spread: SpreadOpaque | undefined): DagState {
  const metaInfo = site.args[0];
  let meta: Value;
  if (spread) meta = new Opaque(spread.unknown, spread.reach);
  else meta = args[0] === undefined ? new ObjectValue() : args[0];
  const metaRange = metaInfo?.node && !metaInfo.spread ? ev.range(metaInfo.node) : undefined;
  const dag = new DagState(ev.dags.length, ev.range(site.node), meta, metaRange);
  dag.madeAt = ev.elsewhere(site.node);
  // A patched `Dag` class is unseen code: it gets the meta.
  if (ev.builtinsPatched) ev.escape(dag, ev.builtinsPatched);
  ev.dags.push(dag);
  return dag;
}

/** The DSL's methods are built-ins that need more of the interpreter than other built-ins do. */
function asInterpreter(realm: Realm): Interpreter {
  return realm as Interpreter;
}

/**
 * The DSL's methods may have been replaced (`Dag.prototype.task = …`): then the call runs unseen code,
 * which gets the Dag and the arguments.
 */
function patched(ev: Interpreter, dag: DagState, args: readonly Value[]): boolean {
  if (!ev.builtinsPatched) return false;
  // The runtime's own code calls built-ins (Error.captureStackTrace, push): changed, they may throw.
  ev.mayThrow();
  ev.escape(dag, ev.builtinsPatched);
  for (const a of args) ev.escape(a, ev.builtinsPatched);
  return true;
}

/**
 * A method of the DSL called on something other than a Dag or a task (`t.addDep.call(other)`,
 * `const add = t.addDep; add()`): the runtime's code runs on it, and what it does there (fail, or not:
 * `addDep()` of nothing reads nothing) is not followed.
 */
function foreignThis(ev: Interpreter, thisValue: Value, args: readonly Value[], site: CallSite): Opaque {
  const why = ev.unknown(`${ev.text(site.node)} calls a method of the DSL on ${describeValue(thisValue)}, which the analysis does not follow`, site.node);
  ev.mayThrow();
  ev.escape(thisValue, why);
  for (const a of args) ev.escape(a, why);
  return new Opaque(why);
}

const dagTask = new BuiltinFunction('Dag.prototype.task', (realm, thisValue, args, site) => {
  const ev: Interpreter = asInterpreter(realm);
  if (!(thisValue instanceof DagState)) return foreignThis(ev, thisValue, args, site);
  const dag = thisValue;
  patched(ev, dag, args);
  const [nameValue, spec] = args;
  const nameInfo = site.args[0];
  const callRange = ev.range(site.node);
  // A task made in another module shows at the analysed module's call that led there (its lens too).
  const calleeRange = ev.calleeRange(site.node);
  const madeAt = ev.elsewhere(site.node);
  const nameNode = nameInfo?.node;
  const nameRange = nameNode ? ev.range(nameNode) : calleeRange;
  const literal = literalArg(nameInfo);
  const nameLiteralRange = literal && !madeAt ? insideQuotes(literal, ev.sf) : undefined;
  const specNode = site.args[1]?.node;
  const specRange = specNode ? ev.range(specNode) : callRange;

  let name: string | undefined;
  let nameUnknown: UnknownValue | undefined;
  if (typeof nameValue === 'string') name = nameValue;
  else if (nameValue instanceof Opaque) {
    nameUnknown = nameValue.unknown;
    ev.mayThrow(); // the runtime throws if it is not a string
  }
  else {
    // The runtime throws a TypeError here; the task is shown, without an output.
    nameUnknown = new UnknownValue(`the task name must be a string, not ${describeValue(nameValue)} (dag.task throws a TypeError at run time)`, nameRange);
    ev.mayThrow();
  }

  if (!ev.runsAtImport(site.node)) dag.changedHere = true;
  const task = new TaskState(dag, name, nameUnknown, spec, { callRange, calleeRange, nameRange, nameLiteralRange, specRange, ...(madeAt ? { madeAt } : {}) }, ev.nextIteration(site.node), dag.tasks.length);
  // Still being typed: the task exists (references, completion), its output waits for the whole call.
  task.tainted = ev.incompleteCall(site.node);
  if (specNode && isObjectLiteral(specNode) && ev.journals.length === 0 && ev.inEntry(specNode)) task.specLiteral = specNode;
  ev.touch(dag);
  dag.tasks.push(task);
  if (name !== undefined) {
    if (!dag.firstByName.has(name)) dag.firstByName.set(name, task);
    const reference = nameLiteralRange ?? literalElsewhere(ev, literal);
    if (reference) ev.addNameReference(dag, name, reference, 'definition');
    else ev.addNameReference(dag, name, ev.locate(nameNode ?? site.node), 'computed');
  } else {
    dag.firstUnknownName ??= task.index;
  }
  ev.charge(4, site.node);
  return task;
}, { dsl: true });

const dagGet = new BuiltinFunction('Dag.prototype.get', (realm, thisValue, args, site) => {
  const ev: Interpreter = asInterpreter(realm);
  if (!(thisValue instanceof DagState)) return foreignThis(ev, thisValue, args, site);
  const dag = thisValue;
  if (patched(ev, dag, args)) return new Opaque(ev.builtinsPatched!, [dag]);
  const nameValue = args[0];
  const literal = literalArg(site.args[0]);
  if (literal && ev.inEntry(literal)) {
    const range = insideQuotes(literal, ev.sf);
    ev.addCompletionSite(dag, range);
    if (typeof nameValue === 'string') ev.addNameReference(dag, nameValue, range, 'string');
  } else if (typeof nameValue === 'string') {
    const elsewhere = literalElsewhere(ev, literal);
    if (elsewhere) ev.addNameReference(dag, nameValue, elsewhere, 'string');
    else ev.addNameReference(dag, nameValue, ev.locate(site.args[0]?.node ?? site.node), 'computed');
  }
  if (dag.tainted) {
    ev.mayThrow();
    return new Opaque(dag.tainted, [dag]);
  }
  if (nameValue instanceof Opaque) {
    ev.mayThrow(); // the runtime throws if no task has that name
    return new Opaque(nameValue.unknown, [dag]);
  }
  const task = typeof nameValue === 'string' ? dag.firstByName.get(nameValue) : undefined;
  if (dag.firstUnknownName !== undefined && (task === undefined || task.index > dag.firstUnknownName)) {
    // A task whose name is not static comes first: it may be the one `get` finds.
    const unknown = dag.tasks[dag.firstUnknownName]!.nameUnknown!;
    return new Opaque(ev.unknown(`dag.get(${JSON.stringify(String(nameValue))}) may find the task whose name is not static (${unknown.why})`, site.node), [dag]);
  }
  if (task?.tainted) return new Opaque(task.tainted, [dag]); // it may not exist
  if (task) return task;
  // The runtime throws here, so the module yields no Dag (or, inside a try, goes on in its catch): the
  // analysis throws too. Going on with an unknown task would leave the Dag looking complete, and Write
  // Encoded DAG would write a file `alamode encode` refuses to.
  ev.throwError(`Error: dag.get: no task named '${String(nameValue)}'`, site.node);
}, { dsl: true });

const taskAddDep = new BuiltinFunction('Task.prototype.addDep', (realm, thisValue, args, site) => {
  const ev: Interpreter = asInterpreter(realm);
  if (!(thisValue instanceof TaskState)) return foreignThis(ev, thisValue, args, site);
  const task = thisValue;
  patched(ev, task.dag, args);
  ev.touch(task);
  if (!ev.runsAtImport(site.node)) task.dag.changedHere = true;
  const callRange = ev.range(site.node);
  const madeAt = ev.elsewhere(site.node);
  const via = ev.callSites.length ? ev.callSites.slice(-16).reverse().map((n) => ev.range(n)) : undefined;
  for (let i = 0; i < args.length; i++) {
    const value = args[i];
    const info = site.args[i];
    const range = info?.node ? ev.range(info.node) : callRange;
    const literal = literalArg(info);
    const nameLiteralRange = literal && !madeAt ? insideQuotes(literal, ev.sf) : undefined;
    if (nameLiteralRange) ev.addCompletionSite(task.dag, nameLiteralRange);
    const dep: Mutable<AnalysedDep> = { range, callRange, argumentIndex: info?.index ?? i, argumentCount: site.argumentCount };
    if (madeAt) dep.madeAt = madeAt;
    if (via) dep.via = via;
    if (info?.spread) dep.spread = true;
    if (nameLiteralRange) dep.nameLiteralRange = nameLiteralRange;
    if (value instanceof TaskState) {
      if (value.dag !== task.dag) {
        // A TypeError at run time: the module yields no Dag (inputs given before it in this call stay).
        ev.throwError(`TypeError: task '${task.name ?? '…'}': addDep(${value.name ?? '…'}) names a task of another Dag`, info?.node ?? site.node);
      } else if (value.name !== undefined) {
        dep.name = value.name;
      } else {
        dep.unknown = value.nameUnknown!;
      }
    } else if (typeof value === 'string' && literal?.isUnterminated) {
      // Being typed: not a missing input yet, and not worth a warning.
      dep.unknown = new UnknownValue('the name is not finished', nameLiteralRange ?? range);
      ev.silent.add(dep.unknown);
    } else if (typeof value === 'string') {
      dep.name = value;
      const reference = nameLiteralRange ?? literalElsewhere(ev, literal);
      // A computed name is placed where it is written (in a helper's file when there): rename looks for it.
      ev.addNameReference(task.dag, value, reference ?? ev.locate(info?.node ?? site.node), reference ? 'string' : 'computed');
    } else if (value instanceof Opaque) {
      ev.mayThrow(); // the runtime throws if it is neither a task nor a string
      dep.unknown = value.unknown;
    } else {
      ev.throwError(`TypeError: task '${task.name ?? '…'}': addDep takes tasks or task names, not ${describeValue(value)}`, info?.node ?? site.node);
    }
    task.deps.push(dep);
  }
  // Still being typed (`addDep(`, `addDep(a, `): the inputs are not all written yet.
  const incomplete = ev.incompleteCall(site.node);
  if (incomplete) task.deps.push({ unknown: incomplete, range: callRange, callRange, argumentIndex: site.argumentCount, argumentCount: site.argumentCount });
  ev.charge(args.length, site.node);
  return task;
}, { dsl: true, spreadAware: true });

/** Methods that only read the Dag (encoding it, saving it): their results are not modelled. */
function readOnly(name: string): BuiltinFunction {
  const throwsOnProblems = name !== 'analyse';
  // `analyse()`'s result holds the Dag's own spec objects; `encode()` gives a copy (the runtime makes
  // one), `bencode()` bytes and `save()` nothing, so code handed those cannot change the Dag.
  const reachesDag = name === 'analyse';
  return new BuiltinFunction(`Dag.prototype.${name}`, (realm, thisValue, _args, site) => {
    const ev: Interpreter = asInterpreter(realm);
    // Its problems then make the module fail, unless the call may not run or its throw is caught.
    if (throwsOnProblems && thisValue instanceof DagState && ev.journals.length === 0 && ev.catchDepth === 0) thisValue.encodedAtWrites = ev.writes;
    realm.mayThrow();
    return realm.opaque(`${realm.text(site.node)} is computed at run time`, site.node, reachesDag && thisValue instanceof DagState ? [thisValue] : []);
  }, { dsl: true });
}

const DAG_READERS = new Map(['analyse', 'encode', 'bencode', 'save'].map((n) => [n, readOnly(n)]));

/**
 * What the runtime's Dag holds as its own properties (class fields), not on `Dag.prototype`: on a Dag
 * of a class extending Dag they hide that class's members of the same name, and `super.meta` does not
 * find them.
 */
export const DAG_OWN_PROPERTIES: ReadonlySet<string> = new Set(['meta', 'taskList', 'site']);

export function dagProperty(realm: Realm, dag: DagState, key: string, node: ts.Node): Value {
  switch (key) {
    case 'task':
      return dagTask;
    case 'get':
      return dagGet;
    case 'meta':
      return dag.meta;
  }
  const reader = DAG_READERS.get(key);
  if (reader) return reader;
  // The runtime gives a new array at each read (`Dag.tasks`): a snapshot of the tasks so far, unless
  // one of them may not exist (made on one branch of a condition not known) or the Dag is unknown.
  if (key === 'tasks' && !dag.tainted && !dag.tasks.some((t) => t.tainted)) {
    realm.charge(dag.tasks.length, node);
    return new ArrayValue(dag.tasks.map((t) => ({ value: t, range: undefined })));
  }
  // The private task list and the rest: reading them is fine, but what is done with them is not followed.
  if (['tasks', 'taskList', 'site', 'definedAt', 'constructor'].includes(key) || key in Object.prototype) {
    return realm.opaque(`${realm.text(node)} is not modelled by the analysis`, node, [dag]);
  }
  return undefined;
}

export function taskProperty(realm: Realm, task: TaskState, key: string, node: ts.Node): Value {
  switch (key) {
    case 'addDep':
      return taskAddDep;
    case 'name':
      return task.name ?? new Opaque(task.nameUnknown!);
    case 'spec':
      task.specRead = true;
      return task.spec;
    case 'dag':
      return task.dag;
  }
  // A new array at each read (`Task.inputs`), when every input's name is known and the task surely exists.
  if (key === 'inputs' && !task.tainted && !task.dag.tainted && task.deps.every((d) => d.name !== undefined)) {
    realm.charge(task.deps.length, node);
    return new ArrayValue(task.deps.map((d) => ({ value: d.name!, range: undefined })));
  }
  if (['inputs', 'inputNames', 'inputSites', 'inputSite', 'site', 'definedAt', 'constructor'].includes(key) || key in Object.prototype) {
    return realm.opaque(`${realm.text(node)} is not modelled by the analysis`, node, [task]);
  }
  return undefined;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export type { CallSite };
