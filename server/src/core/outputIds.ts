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
import { encode, encodeAround, encodeEntry, encodeWithKey } from './bencode';
import { findCycles } from './graph';
import {
  closestName,
  messages,
  type Problem,
} from './problems';
import { checkValue, isPlainObject, isWellFormedString, type BencodeDict, type ValueProblem } from './values';

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

/**
 * What {@link encodeDag} finds. The problems are found at once; outputs are computed when first read
 * (each task's with those of its inputs), so an editor showing the lenses of the top of a module hashes
 * only those tasks and what they read. Reading `outcomes`, `byName` or `encoded` computes them all.
 */
export interface DagEncoding {
  readonly problems: readonly Problem[];
  /** One per definition, in definition order. */
  readonly outcomes: readonly TaskOutcome[];
  /** The outcome for each task name (the first definition, for duplicates), in the order of the names. */
  readonly byName: ReadonlyMap<string, TaskOutcome>;
  /** Set only when every task has an output and the meta is valid. */
  readonly encoded?: EncodedDag;
  /** `outcomes[index]`, computing only that task's output and those upstream of it. */
  outcomeAt(index: number): TaskOutcome;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * What {@link encodeDag} learnt about spec objects, kept between calls so that a new version of a DAG
 * costs only what changed: each spec's check, its encoding cut around `inputs` (an output ID is then
 * one sha256 over the two parts and the inputs), and the last output ID computed from it with the
 * inputs it had. Keyed by the spec *object*: only for callers whose specs are never changed once
 * encoded (the document model's, which the analysis freezes). Entries go with their specs.
 */
export class OutputMemo {
  private readonly specs = new WeakMap<object, SpecMemo>();

  /** @internal */
  of(spec: object): SpecMemo {
    let m = this.specs.get(spec);
    if (!m) this.specs.set(spec, (m = { check: undefined, around: undefined, inputsKey: undefined, output: undefined, inputs: undefined }));
    return m;
  }
}

/** @internal What {@link OutputMemo} keeps per spec. */
interface SpecMemo {
  check: SpecCheck | undefined;
  around: [Uint8Array, Uint8Array] | undefined;
  /** The inputs (name and output ID of each, in order) the last output was computed with. */
  inputsKey: string | undefined;
  output: string | undefined;
  inputs: { readonly [name: string]: string } | undefined;
}

/** A spec's check, without the task's name (messages are written per definition). */
interface SpecCheck {
  /** Set when the spec is not a plain object: what it is, as a message shows it. */
  readonly notDict?: string;
  readonly reserved: readonly (typeof RESERVED)[number][];
  readonly problems: readonly ValueProblem[];
}

export interface EncodeOptions {
  /** Reuse what an earlier call learnt about the same spec objects (see {@link OutputMemo}). */
  readonly memo?: OutputMemo;
  /**
   * Compute each output when it is first read (with those upstream of it), and build
   * {@link DagEncoding.encoded} (a copy of every spec) when it is first read, rather than now. Only for
   * specs that never change once encoded (the document model's, which the analysis freezes): a Dag of
   * the runtime may change its specs after `analyse()`.
   */
  readonly lazy?: boolean;
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

function specCheck(spec: unknown): SpecCheck {
  if (!isPlainObject(spec)) {
    const [p] = checkValue(spec, 1);
    return { notDict: p && p.path.length === 0 ? p.shown : Array.isArray(spec) ? 'a list' : typeof spec, reserved: [], problems: [] };
  }
  return { reserved: RESERVED.filter((key) => Object.prototype.hasOwnProperty.call(spec, key)), problems: checkValue(spec) };
}

function checkSpec(def: TaskDefinition, index: number, problems: Problem[], memo: OutputMemo | undefined): RootReason | undefined {
  // The name is a key of the encoded DAG and of every dependent's inputs: it must have a UTF-8 form.
  if (!isWellFormedString(def.name)) {
    const message = messages.nameNotUtf8(def.name);
    problems.push({ code: 'invalid-value', task: def.name, definition: index, path: [], message });
    return { kind: 'invalid-value', message };
  }
  let check: SpecCheck;
  if (memo && typeof def.spec === 'object' && def.spec !== null) {
    const m = memo.of(def.spec);
    check = m.check ??= specCheck(def.spec);
  } else {
    check = specCheck(def.spec);
  }
  if (check.notDict !== undefined) {
    const message = messages.specNotDict(def.name, check.notDict);
    problems.push({ code: 'invalid-value', task: def.name, definition: index, path: [], message });
    return { kind: 'invalid-value', message };
  }
  let reason: RootReason | undefined;
  for (const key of check.reserved) {
    problems.push({ code: 'reserved-key', task: def.name, definition: index, key, message: messages.reservedKey(def.name, key) });
    reason ??= { kind: 'reserved-key', key };
  }
  for (const p of check.problems) {
    const message = messages.invalidValue(def.name, p.path, p.shown, p.reason);
    problems.push({ code: 'invalid-value', task: def.name, definition: index, path: p.path, message });
    reason ??= { kind: 'invalid-value', message };
  }
  return reason;
}

/**
 * What {@link encodeDag} learnt of a DAG's structure (names, inputs, cycles) and of each spec, kept
 * with its result so that {@link encodeDagAfterSpecChange} can redo only what one new spec changes.
 */
interface EncodingState {
  readonly dag: DagDefinition;
  readonly metaProblems: readonly Problem[];
  readonly metaOk: boolean;
  readonly firstIndex: ReadonlyMap<string, number>;
  readonly repeats: ReadonlyMap<string, readonly number[]>;
  readonly duplicateProblems: readonly Problem[];
  /** Per definition: the problems its spec check found, and the reason it gives. */
  readonly specProblems: readonly (readonly Problem[])[];
  readonly specReasons: readonly (RootReason | undefined)[];
  readonly inputsOf: readonly (readonly string[])[];
  /** Per definition: its first input that names no task, and the problems saying so (in order). */
  readonly missing: readonly (RootReason | undefined)[];
  readonly missingProblems: readonly Problem[];
  /** Per definition: the cycle it is in. */
  readonly cycleOf: readonly (RootReason | undefined)[];
  readonly cycleProblems: readonly Problem[];
  readonly own: readonly (RootReason | undefined)[];
  /** The outcomes of first definitions by name: filled as they are read (see {@link settle}). */
  readonly outcomeOf: Map<string, TaskOutcome>;
  readonly memo: OutputMemo | undefined;
  /** Tasks (first definitions) that read each task: made on the first incremental encoding. */
  dependents?: ReadonlyMap<string, readonly number[]>;
}

const states = new WeakMap<DagEncoding, EncodingState>();

/** A definition's own reason for having no output (see {@link encodeDag}). */
function ownReason(def: TaskDefinition, i: number, state: Pick<EncodingState, 'repeats' | 'specReasons' | 'missing' | 'cycleOf'>): RootReason | undefined {
  // A cycle outranks the other reasons: fixing anything else still leaves no output.
  const cycle = state.cycleOf[i];
  if (cycle) return cycle;
  if (state.repeats.has(def.name)) return { kind: 'duplicate-task' };
  return state.specReasons[i] ?? (def.unknown !== undefined ? { kind: 'unknown', why: def.unknown } : undefined) ?? state.missing[i];
}

/** The problems of an encoding, in the order they are reported. */
function problemsOf(state: Pick<EncodingState, 'metaProblems' | 'duplicateProblems' | 'specProblems' | 'missingProblems' | 'cycleProblems'>): Problem[] {
  const problems = [...state.metaProblems, ...state.duplicateProblems];
  for (const p of state.specProblems) if (p.length > 0) problems.push(...p);
  problems.push(...state.missingProblems, ...state.cycleProblems);
  return problems;
}

/**
 * Computes the outcome of the task `root` (a first definition's name) and of every task upstream of it
 * that has none yet, inputs first (an iterative post-order walk: a 9,000-deep chain must not overflow
 * the stack).
 */
function settle(state: EncodingState, root: string): TaskOutcome {
  const { outcomeOf, firstIndex, inputsOf, own } = state;
  const known = outcomeOf.get(root);
  if (known) return known;
  const defs = state.dag.tasks;
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
    outcomeOf.set(name, computeOutcome(defs[i]!, i, own[i], inputs, outcomeOf, state.memo));
  }
  return outcomeOf.get(root)!;
}

/** Computes every outcome the state does not have yet. */
function settleAll(state: EncodingState): void {
  if (state.outcomeOf.size === state.firstIndex.size) return;
  for (const name of state.firstIndex.keys()) if (!state.outcomeOf.has(name)) settle(state, name);
}

/**
 * The result for a state: outcomes per definition, and the encoded DAG when every task has an output,
 * computed now or (`lazy`) when first read.
 */
function resultOf(state: EncodingState, options: EncodeOptions): DagEncoding {
  const defs = state.dag.tasks;
  const byDefinition: (TaskOutcome | undefined)[] = new Array(defs.length);
  const outcomeAt = (i: number): TaskOutcome => {
    let o = byDefinition[i];
    if (!o) {
      const def = defs[i]!;
      o = state.firstIndex.get(def.name) === i ? settle(state, def.name) : { name: def.name, definition: i, noOutput: state.own[i]! };
      byDefinition[i] = o;
    }
    return o;
  };
  let outcomes: readonly TaskOutcome[] | undefined;
  const allOutcomes = (): readonly TaskOutcome[] => {
    if (!outcomes) {
      settleAll(state);
      outcomes = defs.map((_, i) => outcomeAt(i));
    }
    return outcomes;
  };
  const encodedDag = (): EncodedDag | undefined => {
    if (!state.metaOk || !allOutcomes().every((o) => o.output !== undefined)) return undefined;
    const tasks = Object.fromEntries(
      [...state.firstIndex.keys()].map((name) => {
        const o = state.outcomeOf.get(name)!;
        const spec = defs[o.definition]!.spec as BencodeDict;
        return [name, { ...spec, inputs: o.inputs!, output: o.output! } as EncodedTask];
      }),
    );
    return { meta: (state.dag.meta === undefined ? {} : state.dag.meta) as BencodeDict, tasks };
  };
  if (!options.lazy) settleAll(state);
  let encoded: { value: EncodedDag | undefined } | undefined = options.lazy ? undefined : { value: encodedDag() };
  let byName: ReadonlyMap<string, TaskOutcome> | undefined;
  // Own properties, so that comparing two results compares them (but the method, a closure per result).
  const result: DagEncoding = {
    problems: problemsOf(state),
    get outcomes() {
      return allOutcomes();
    },
    /** In the order of the names' first definitions, whatever order the outcomes were read in. */
    get byName() {
      settleAll(state);
      return (byName ??= new Map([...state.firstIndex.keys()].map((name) => [name, state.outcomeOf.get(name)!])));
    },
    get encoded() {
      return (encoded ??= { value: encodedDag() }).value;
    },
    outcomeAt,
  };
  Object.defineProperty(result, 'outcomeAt', { enumerable: false });
  states.set(result, state);
  return result;
}

/** Computes every task's output ID it can, and the encoded DAG when all are known. */
export function encodeDag(dag: DagDefinition, options: EncodeOptions = {}): DagEncoding {
  const defs = dag.tasks;
  const memo = options.memo;

  // Meta: optional, a dict of bencode values.
  const metaProblems: Problem[] = [];
  let metaOk = true;
  const meta = dag.meta === undefined ? {} : dag.meta;
  if (!isPlainObject(meta)) {
    const [p] = checkValue(meta, 1);
    metaProblems.push({ code: 'invalid-value', path: [], message: messages.metaNotDict(p ? p.shown : Array.isArray(meta) ? 'a list' : typeof meta) });
    metaOk = false;
  } else {
    for (const p of checkValue(meta)) {
      metaProblems.push({ code: 'invalid-value', path: p.path, message: messages.invalidValue(undefined, p.path, p.shown, p.reason) });
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
  const duplicateProblems: Problem[] = [];
  for (const [name, definitions] of repeats) {
    duplicateProblems.push({ code: 'duplicate-task', task: name, definitions, message: messages.duplicateTask(name, definitions.length) });
  }

  // Each spec's check (a repeated name's too: its problems are reported).
  const specProblems: Problem[][] = [];
  const specReasons = defs.map((def, i) => {
    const problems: Problem[] = [];
    const reason = checkSpec(def, i, problems, memo);
    specProblems.push(problems.length > 0 ? problems : NO_PROBLEMS);
    return reason;
  });

  // Edges, deduplicated, between first definitions only.
  const inputsOf: readonly string[][] = defs.map((def) => distinct(def.inputs));
  const missing: (RootReason | undefined)[] = new Array(defs.length);
  const missingProblems: Problem[] = [];
  // Whether `from` depends on `target`, directly or through other tasks.
  const dependsOn = (from: string, target: string): boolean => {
    const seen = new Set([from]);
    const stack = [from];
    while (stack.length > 0) {
      for (const input of inputsOf[firstIndex.get(stack.pop()!)!]!) {
        if (input === target) return true;
        if (firstIndex.has(input) && !seen.has(input)) {
          seen.add(input);
          stack.push(input);
        }
      }
    }
    return false;
  };
  defs.forEach((def, i) => {
    if (firstIndex.get(def.name) !== i) return;
    for (const input of inputsOf[i]!) {
      if (!firstIndex.has(input)) {
        // Never the task itself, nor one that depends on it: that would be a cycle, not a fix.
        const closest = closestName(input, [...firstIndex.keys()].filter((name) => name !== def.name));
        const suggestion = closest !== undefined && !dependsOn(closest, def.name) ? closest : undefined;
        missingProblems.push({ code: 'missing-input', task: def.name, input, ...(suggestion ? { suggestion } : {}), message: messages.missingInput(def.name, input, suggestion) });
        missing[i] ??= { kind: 'missing-input', input };
      }
    }
  });

  const names = [...firstIndex.keys()];
  // Adjacency among defined tasks, built once: the cycle search reads it many times per task.
  const definedInputs = new Map(names.map((name) => [name, inputsOf[firstIndex.get(name)!]!.filter((x) => firstIndex.has(x))]));
  const cycleOf: (RootReason | undefined)[] = new Array(defs.length);
  const cycleProblems: Problem[] = [];
  for (const cycle of findCycles(names, (name) => definedInputs.get(name)!)) {
    cycleProblems.push({ code: 'cycle', cycle: cycle.path, edges: cycle.edges, message: messages.cycle(cycle.path) });
    for (const member of cycle.members) cycleOf[firstIndex.get(member)!] = { kind: 'cycle', cycle: cycle.path };
  }

  const structure = { repeats, specReasons, missing, cycleOf };
  const own = defs.map((def, i) => ownReason(def, i, structure));

  // Outputs are computed in `resultOf` (or when read: from this list of definitions as it is now).
  return resultOf({ dag: { ...dag, tasks: defs.slice() }, metaProblems, metaOk, firstIndex, repeats, duplicateProblems, specProblems, specReasons, inputsOf, missing, missingProblems, cycleOf, cycleProblems, own, outcomeOf: new Map(), memo }, options);
}

const NO_PROBLEMS: Problem[] = [];

/**
 * {@link encodeDag} of `dag`, when `previous` encoded a DAG that differs from it only in the spec of
 * definition `changed` (every other definition the very same object, the same meta, and the changed one
 * with the same name, inputs and unknown): only that spec is checked and only the outputs downstream
 * of it are computed again. Equal to `encodeDag(dag, options)`; falls back to it when `previous` is
 * not such an encoding. The editor's keystroke inside a spec string lands here (see the document model).
 */
export function encodeDagAfterSpecChange(previous: DagEncoding, dag: DagDefinition, changed: number, options: EncodeOptions = {}): DagEncoding {
  const state = states.get(previous);
  const defs = dag.tasks;
  const before = state?.dag.tasks;
  const def = defs[changed];
  const old = before?.[changed];
  if (!state || !before || !def || !old || before.length !== defs.length || state.dag.meta !== dag.meta) return encodeDag(dag, options);
  if (def.name !== old.name || def.unknown !== old.unknown || def.inputs.length !== old.inputs.length || def.inputs.some((x, k) => x !== old.inputs[k])) return encodeDag(dag, options);
  for (let j = 0; j < defs.length; j++) if (j !== changed && defs[j] !== before[j]) return encodeDag(dag, options);

  const problems: Problem[] = [];
  const reason = checkSpec(def, changed, problems, options.memo);
  const specProblems = state.specProblems.slice();
  specProblems[changed] = problems.length > 0 ? problems : NO_PROBLEMS;
  const specReasons = state.specReasons.slice();
  specReasons[changed] = reason;
  const own = state.own.slice();
  own[changed] = ownReason(def, changed, { repeats: state.repeats, specReasons, missing: state.missing, cycleOf: state.cycleOf });

  // The outcomes computed so far hold, but for the task itself and every task downstream of it (a
  // repeated name has none): those are computed again when read, like any not computed yet. A keystroke
  // at the top of a 3,000-task ladder re-keys every task, but the editor reads the lenses on screen.
  const outcomeOf = new Map(state.outcomeOf);
  if (state.firstIndex.get(def.name) === changed) {
    const dependents = (state.dependents ??= dependentsOf(state));
    const affected = new Set<number>([changed]);
    const work = [changed];
    while (work.length > 0) {
      for (const d of dependents.get(defs[work.pop()!]!.name) ?? []) {
        if (!affected.has(d)) {
          affected.add(d);
          work.push(d);
        }
      }
    }
    for (const i of affected) outcomeOf.delete(defs[i]!.name);
  }
  return resultOf({ ...state, dag: { ...dag, tasks: defs.slice() }, specProblems, specReasons, own, outcomeOf, memo: options.memo, dependents: state.dependents }, options);
}

/** The first definitions that read each task (inputs that name no task are left out). */
function dependentsOf(state: EncodingState): Map<string, number[]> {
  const dependents = new Map<string, number[]>();
  for (const i of state.firstIndex.values()) {
    for (const input of state.inputsOf[i]!) {
      if (!state.firstIndex.has(input)) continue;
      const list = dependents.get(input);
      if (list) list.push(i);
      else dependents.set(input, [i]);
    }
  }
  return dependents;
}

/** The items of `xs` without repeats, in order (most tasks have one or two inputs). */
function distinct(xs: readonly string[]): string[] {
  if (xs.length < 2) return xs.slice();
  if (xs.length > 8) return [...new Set(xs)];
  const out: string[] = [];
  for (const x of xs) if (!out.includes(x)) out.push(x);
  return out;
}

function computeOutcome(
  def: TaskDefinition,
  index: number,
  ownReason: RootReason | undefined,
  inputs: readonly string[],
  done: ReadonlyMap<string, TaskOutcome>,
  memo: OutputMemo | undefined,
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
  const spec = def.spec as BencodeDict;
  if (memo) {
    // The same spec object with the same inputs as last time: the same output (and inputs object).
    const m = memo.of(spec);
    let key = '';
    for (const [name, id] of hashedInputs) key += `${name.length}:${name}${id}`; // IDs are 64 characters: unambiguous
    if (m.inputsKey === key) return { name: def.name, definition: index, output: m.output!, inputs: m.inputs! };
    const inputsDict = Object.freeze(Object.fromEntries(hashedInputs));
    const [before, after] = (m.around ??= encodeAround(spec, 'inputs'));
    const output = createHash('sha256').update(before).update(encodeEntry('inputs', inputsDict)).update(after).digest('hex');
    m.inputsKey = key;
    m.output = output;
    m.inputs = inputsDict;
    return { name: def.name, definition: index, output, inputs: inputsDict };
  }
  // Object.fromEntries defines own properties, so an input named "__proto__" stays data.
  const inputsDict = Object.fromEntries(hashedInputs);
  return { name: def.name, definition: index, output: sha256Hex(encodeWithKey(spec, 'inputs', inputsDict)), inputs: inputsDict };
}

/** The bencoded `.dag` file for an encoded DAG. */
export function bencodeDag(dag: EncodedDag): Uint8Array {
  return encode(dag as unknown as BencodeDict);
}
