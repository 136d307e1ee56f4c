/**
 * Output IDs and the encoded DAG, exactly as the seed's `a_la_mode` computes them:
 *
 *   output(t)   = sha256_hex(bencode({...spec(t), inputs: {depName: output(dep)}}))
 *   encodedDag  = {meta, tasks: {name: {...spec, inputs, output}}}
 *
 * Unlike the seed, each output is computed once (memoised in topological order), so the cost is linear
 * in the size of the DAG rather than doubling with every diamond on a path.
 *
 * A DAG may be partly wrong (a cycle, a missing input, an invalid value) or, for the static analysis,
 * partly unknown. Tasks touched by that get no output and a reason; every other task still gets its own.
 */
import { createHash } from 'node:crypto';
import { encode, encodeWithKey } from './bencode';
import { findCycles } from './graph';
import {
  closestName,
  messages,
  type Problem,
} from './problems';
import { checkValue, isPlainObject, type BencodeDict } from './values';

export interface TaskDefinition {
  readonly name: string;
  /** The spec as written; checked here. */
  readonly spec: unknown;
  /** Names of input tasks in the order they were added; repeats are ignored. */
  readonly inputs: readonly string[];
  /**
   * Set by the static analysis when the spec or inputs cannot be known without running code: the task
   * then has no output (reason `unknown`), and neither has anything downstream of it.
   */
  readonly unknown?: string;
}

export interface DagDefinition {
  readonly meta?: unknown;
  readonly tasks: readonly TaskDefinition[];
}

/** An encoded task: its spec fields plus `inputs` and `output`. */
export type EncodedTask = BencodeDict & { readonly inputs: { readonly [name: string]: string }; readonly output: string };

/** What engines read: the bencoded form of this object is the `.dag` file. */
export interface EncodedDag {
  readonly meta: BencodeDict;
  readonly tasks: { readonly [name: string]: EncodedTask };
}

/** Why a task has no output. `upstream` points at the input through which a root cause reaches it. */
export type NoOutputReason =
  | { readonly kind: 'cycle'; readonly cycle: readonly string[] }
  | { readonly kind: 'missing-input'; readonly input: string }
  | { readonly kind: 'duplicate-task' }
  | { readonly kind: 'invalid-value'; readonly message: string }
  | { readonly kind: 'reserved-key'; readonly key: string }
  | { readonly kind: 'unknown'; readonly why: string }
  | { readonly kind: 'upstream'; readonly input: string; readonly root: string; readonly rootReason: RootReason };

export type RootReason = Exclude<NoOutputReason, { kind: 'upstream' }>;

export interface TaskOutcome {
  readonly name: string;
  /** Index of this definition in {@link DagDefinition.tasks}. */
  readonly definition: number;
  /** Hex sha256, when the output is known. */
  readonly output?: string;
  /** The inputs as hashed (name → output ID), when the output is known. */
  readonly inputs?: { readonly [name: string]: string };
  readonly noOutput?: NoOutputReason;
}

export interface DagEncoding {
  readonly problems: readonly Problem[];
  /** One per definition, in definition order. */
  readonly outcomes: readonly TaskOutcome[];
  /** The outcome for each task name (the first definition, for duplicates). */
  readonly byName: ReadonlyMap<string, TaskOutcome>;
  /** Present only when every task has an output and the meta is valid. */
  readonly encoded?: EncodedDag;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A short phrase for a lens or hover: why there is no output. */
export function describeNoOutput(reason: NoOutputReason): string {
  switch (reason.kind) {
    case 'cycle':
      return `in a cycle: ${reason.cycle.join(' → ')}`;
    case 'missing-input':
      return `input '${reason.input}' names no task`;
    case 'duplicate-task':
      return 'the task name is defined more than once';
    case 'invalid-value':
      return reason.message;
    case 'reserved-key':
      return `spec.${reason.key} is reserved`;
    case 'unknown':
      return `not static: ${reason.why}`;
    case 'upstream':
      return `input '${reason.input}' has no output (upstream '${reason.root}': ${describeNoOutput(reason.rootReason)})`;
  }
}

const RESERVED = ['inputs', 'output'] as const;

function checkSpec(def: TaskDefinition, index: number, problems: Problem[]): RootReason | undefined {
  if (!isPlainObject(def.spec)) {
    const [p] = checkValue(def.spec, 1);
    const shown = p && p.path.length === 0 ? p.shown : Array.isArray(def.spec) ? 'a list' : typeof def.spec;
    const message = messages.specNotDict(def.name, shown);
    problems.push({ code: 'invalid-value', task: def.name, definition: index, path: [], message });
    return { kind: 'invalid-value', message };
  }
  let reason: RootReason | undefined;
  for (const key of RESERVED) {
    if (Object.prototype.hasOwnProperty.call(def.spec, key)) {
      problems.push({ code: 'reserved-key', task: def.name, definition: index, key, message: messages.reservedKey(def.name, key) });
      reason ??= { kind: 'reserved-key', key };
    }
  }
  for (const p of checkValue(def.spec)) {
    const message = messages.invalidValue(def.name, p.path, p.shown, p.reason);
    problems.push({ code: 'invalid-value', task: def.name, definition: index, path: p.path, message });
    reason ??= { kind: 'invalid-value', message };
  }
  return reason;
}

/** Computes every task's output ID it can, and the encoded DAG when all are known. */
export function encodeDag(dag: DagDefinition): DagEncoding {
  const problems: Problem[] = [];
  const defs = dag.tasks;

  // Meta: optional, a dict of bencode values.
  let metaOk = true;
  const meta = dag.meta === undefined ? {} : dag.meta;
  if (!isPlainObject(meta)) {
    const [p] = checkValue(meta, 1);
    problems.push({ code: 'invalid-value', path: [], message: messages.metaNotDict(p ? p.shown : Array.isArray(meta) ? 'a list' : typeof meta) });
    metaOk = false;
  } else {
    for (const p of checkValue(meta)) {
      problems.push({ code: 'invalid-value', path: p.path, message: messages.invalidValue(undefined, p.path, p.shown, p.reason) });
      metaOk = false;
    }
  }

  // Names: the first definition of each name is "the" task; repeated names block all of their definitions.
  const firstIndex = new Map<string, number>();
  const repeats = new Map<string, number[]>();
  defs.forEach((def, i) => {
    const first = firstIndex.get(def.name);
    if (first === undefined) firstIndex.set(def.name, i);
    else {
      const all = repeats.get(def.name) ?? [first];
      all.push(i);
      repeats.set(def.name, all);
    }
  });
  for (const [name, definitions] of repeats) {
    problems.push({ code: 'duplicate-task', task: name, definitions, message: messages.duplicateTask(name, definitions.length) });
  }

  // Each definition's own reason for having no output, if any.
  const own: (RootReason | undefined)[] = defs.map((def, i) => {
    if (repeats.has(def.name)) {
      checkSpec(def, i, problems);
      return { kind: 'duplicate-task' };
    }
    return checkSpec(def, i, problems) ?? (def.unknown !== undefined ? { kind: 'unknown', why: def.unknown } : undefined);
  });

  // Edges, deduplicated, between first definitions only.
  const inputsOf: string[][] = defs.map((def) => [...new Set(def.inputs)]);
  defs.forEach((def, i) => {
    if (firstIndex.get(def.name) !== i) return;
    for (const input of inputsOf[i]!) {
      if (!firstIndex.has(input)) {
        const suggestion = closestName(input, firstIndex.keys());
        problems.push({ code: 'missing-input', task: def.name, input, ...(suggestion ? { suggestion } : {}), message: messages.missingInput(def.name, input, suggestion) });
        own[i] ??= { kind: 'missing-input', input };
      }
    }
  });

  const names = [...firstIndex.keys()];
  // Adjacency among defined tasks, built once: the cycle search reads it many times per task.
  const definedInputs = new Map(names.map((name) => [name, inputsOf[firstIndex.get(name)!]!.filter((x) => firstIndex.has(x))]));
  const cycles = findCycles(names, (name) => definedInputs.get(name)!);
  for (const cycle of cycles) {
    problems.push({ code: 'cycle', cycle: cycle.path, edges: cycle.edges, message: messages.cycle(cycle.path) });
    for (const member of cycle.members) {
      const i = firstIndex.get(member)!;
      // A cycle outranks the other reasons: fixing anything else still leaves no output.
      own[i] = { kind: 'cycle', cycle: cycle.path };
    }
  }

  // Outputs in dependency order (iterative post-order DFS: a 9,000-deep chain must not overflow the stack).
  const outcomeOf = new Map<string, TaskOutcome>();
  const visit = (root: string) => {
    const stack: [string, number][] = [[root, 0]];
    const onStack = new Set<string>([root]);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [name, next] = top;
      const i = firstIndex.get(name)!;
      const inputs = inputsOf[i]!;
      if (next < inputs.length) {
        top[1] = next + 1;
        const input = inputs[next]!;
        if (firstIndex.has(input) && !outcomeOf.has(input) && !onStack.has(input)) {
          stack.push([input, 0]);
          onStack.add(input);
        }
        continue;
      }
      stack.pop();
      onStack.delete(name);
      outcomeOf.set(name, computeOutcome(defs[i]!, i, own[i], inputs, outcomeOf));
    }
  };
  for (const name of names) if (!outcomeOf.has(name)) visit(name);

  const outcomes: TaskOutcome[] = defs.map((def, i) =>
    firstIndex.get(def.name) === i ? outcomeOf.get(def.name)! : { name: def.name, definition: i, noOutput: own[i]! },
  );

  let encoded: EncodedDag | undefined;
  if (metaOk && outcomes.every((o) => o.output !== undefined)) {
    const tasks = Object.fromEntries(
      names.map((name) => {
        const o = outcomeOf.get(name)!;
        const spec = defs[o.definition]!.spec as BencodeDict;
        return [name, { ...spec, inputs: o.inputs!, output: o.output! } as EncodedTask];
      }),
    );
    encoded = { meta: meta as BencodeDict, tasks };
  }
  return { problems, outcomes, byName: outcomeOf, ...(encoded ? { encoded } : {}) };
}

function computeOutcome(
  def: TaskDefinition,
  index: number,
  ownReason: RootReason | undefined,
  inputs: readonly string[],
  done: ReadonlyMap<string, TaskOutcome>,
): TaskOutcome {
  if (ownReason) return { name: def.name, definition: index, noOutput: ownReason };
  const hashedInputs: [string, string][] = [];
  for (const input of inputs) {
    const dep = done.get(input)!;
    if (dep.output === undefined) {
      const up = dep.noOutput!;
      const noOutput: NoOutputReason = up.kind === 'upstream'
        ? { kind: 'upstream', input, root: up.root, rootReason: up.rootReason }
        : { kind: 'upstream', input, root: input, rootReason: up };
      return { name: def.name, definition: index, noOutput };
    }
    hashedInputs.push([input, dep.output]);
  }
  // Object.fromEntries defines own properties, so an input named "__proto__" stays data.
  const inputsDict = Object.fromEntries(hashedInputs);
  return { name: def.name, definition: index, output: sha256Hex(encodeWithKey(def.spec as BencodeDict, 'inputs', inputsDict)), inputs: inputsDict };
}

/** The bencoded `.dag` file for an encoded DAG. */
export function bencodeDag(dag: EncodedDag): Uint8Array {
  return encode(dag as unknown as BencodeDict);
}
