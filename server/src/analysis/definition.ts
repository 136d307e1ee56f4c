/**
 * From an analysed Dag to the core's {@link DagDefinition}, so that `encodeDag` computes every output ID
 * it can. Definitions are aligned with `dag.tasks` (same order, same count). A task gets `unknown` (and
 * so no output) when its name, spec or any dependency is not static, or when it or its Dag is tainted.
 */
import type { DagDefinition, TaskDefinition } from '../core/outputIds';
import { messages, type Problem } from '../core/problems';
import { UnknownValue, type AnalysedDag, type AnalysedTask } from './types';

export interface AnalysedDagDefinition extends DagDefinition {
  /**
   * Set when the meta holds a value that is not static. The meta passed to the core then has an empty
   * string in its place, so `encodeDag(...).encoded` must not be used as the module's encoded DAG.
   */
  readonly metaUnknown?: string;
}

/** What stands for a value that is not static: valid bencode, so the core reports only real problems. */
const PLACEHOLDER = '';

function firstUnknown(value: unknown, depth = 0): UnknownValue | undefined {
  if (value instanceof UnknownValue) return value;
  if (typeof value !== 'object' || value === null || depth > 256) return undefined;
  for (const v of Array.isArray(value) ? value : Object.values(value)) {
    const u = firstUnknown(v, depth + 1);
    if (u) return u;
  }
  return undefined;
}

/** A copy of `value` with each {@link UnknownValue} replaced by a placeholder (cycles kept as cycles). */
function withPlaceholders(value: unknown, memo = new Map<object, unknown>()): unknown {
  if (value instanceof UnknownValue) return PLACEHOLDER;
  if (typeof value !== 'object' || value === null) return value;
  const done = memo.get(value);
  if (done !== undefined) return done;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    memo.set(value, out);
    for (const v of value) out.push(withPlaceholders(v, memo));
    return out;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value;
  const out: Record<string, unknown> = {};
  memo.set(value, out);
  for (const [k, v] of Object.entries(value)) Object.defineProperty(out, k, { value: withPlaceholders(v, memo), enumerable: true, writable: true, configurable: true });
  return out;
}

/** A name for a task whose name is not static: unlike any real task name in the Dag. */
function placeholderName(index: number, taken: ReadonlySet<string>): string {
  let name = `‹name not static #${index}›`;
  while (taken.has(name)) name += '′';
  return name;
}

/** The Dag's static task names, and whether some task's name is not static. */
function namesOf(dag: AnalysedDag): { known: Set<string>; someNameUnknown: boolean } {
  const known = new Set<string>();
  let someNameUnknown = false;
  for (const t of dag.tasks) {
    if (t.name !== undefined) known.add(t.name);
    else someNameUnknown = true;
  }
  return { known, someNameUnknown };
}

export function toDagDefinition(dag: AnalysedDag): AnalysedDagDefinition {
  const { known, someNameUnknown } = namesOf(dag);
  const tasks = dag.tasks.map((t, i) => taskDefinition(t, i, dag, known, someNameUnknown));
  const metaUnknown = firstUnknown(dag.meta);
  return {
    // A meta unknown as a whole stands for some object (it could be nothing else that the runtime
    // accepts), so its placeholder is one: the core must not call it a string.
    meta: metaUnknown ? (dag.meta instanceof UnknownValue ? {} : withPlaceholders(dag.meta)) : dag.meta,
    tasks,
    ...(metaUnknown ? { metaUnknown: metaUnknown.why } : {}),
  };
}

/**
 * `toDagDefinition(dag)`, given `previous`, the definition of a version of `dag` that differed only in
 * the spec of task `index` (an edit inside a spec string: see `literalEdits.ts`): every other task's
 * definition is the previous one, the same object, as `encodeDagAfterSpecChange` wants.
 */
export function definitionAfterSpecChange(previous: AnalysedDagDefinition, dag: AnalysedDag, index: number): AnalysedDagDefinition {
  const { known, someNameUnknown } = namesOf(dag);
  const tasks = previous.tasks.slice();
  tasks[index] = taskDefinition(dag.tasks[index]!, index, dag, known, someNameUnknown);
  return { ...previous, tasks };
}

function taskDefinition(t: AnalysedTask, index: number, dag: AnalysedDag, known: ReadonlySet<string>, someNameUnknown: boolean): TaskDefinition {
  const reasons: string[] = [];
  if (t.nameUnknown) reasons.push(t.nameUnknown.why);
  else if (t.name === undefined) reasons.push('the task name is not static');
  const specUnknown = firstUnknown(t.spec);
  if (specUnknown) reasons.push(specUnknown.why);
  const inputs: string[] = [];
  for (const d of t.deps) {
    if (d.unknown) reasons.push(d.unknown.why);
    else if (d.name === undefined) reasons.push('a dependency is not static');
    else if (!known.has(d.name) && (someNameUnknown || dag.tainted)) {
      // It may name the task whose name is not static (or one added where the analysis cannot see):
      // not a missing input, but not a known one either.
      reasons.push(someNameUnknown ? `input '${d.name}' may be the task whose name is not static` : `input '${d.name}' may be defined where the analysis cannot see`);
    } else {
      inputs.push(d.name);
    }
  }
  if (t.tainted) reasons.push(t.tainted.why);
  if (dag.tainted) reasons.push(dag.tainted.why);
  const spec = specUnknown ? (t.spec instanceof UnknownValue ? {} : withPlaceholders(t.spec)) : t.spec;
  const name = t.name ?? placeholderName(index, known);
  return { name, spec, inputs, ...(reasons.length > 0 ? { unknown: reasons[0]! } : {}) };
}

/**
 * The problems of `encodeDag(toDagDefinition(dag))` that the analysis knows hold when the module runs,
 * the only ones to show as errors (a false error is as bad as a wrong ID). Nothing is known of a Dag
 * that code the analysis cannot see may have changed (it can reach the task list, the specs, the meta
 * and the inputs), nor of a Dag or task that may not exist at run time (made on one branch of an
 * unknown condition, or still being typed): problems that involve one are left out; the tasks' lenses
 * still say why they have no output.
 */
export function knownProblems(dag: AnalysedDag, problems: readonly Problem[]): Problem[] {
  if (dag.tainted) return [];
  const certain = (i: number | undefined): boolean => i !== undefined && dag.tasks[i] !== undefined && dag.tasks[i]!.tainted === undefined;
  // The first definition of each name is the task that inputs name and whose inputs count.
  const first = new Map<string, number>();
  dag.tasks.forEach((t, i) => {
    if (t.name !== undefined && !first.has(t.name)) first.set(t.name, i);
  });
  const known: Problem[] = [];
  for (const p of problems) {
    switch (p.code) {
      case 'invalid-value':
        if (p.definition === undefined || certain(p.definition)) known.push(p);
        break;
      case 'reserved-key':
        if (certain(p.definition)) known.push(p);
        break;
      case 'missing-input':
        if (certain(first.get(p.task))) known.push(p);
        break;
      case 'cycle':
        if (p.edges.every((e) => certain(first.get(e.task)) && certain(first.get(e.input)))) known.push(p);
        break;
      case 'duplicate-task': {
        const definitions = p.definitions.filter((i) => certain(i));
        if (definitions.length >= 2) known.push({ ...p, definitions, message: definitions.length === p.definitions.length ? p.message : messages.duplicateTask(p.task, definitions.length) });
        break;
      }
    }
  }
  return known;
}
