/**
 * The abstract values the evaluator computes with. Primitives are plain JS primitives (so operators on
 * them can be applied natively, with exact JS semantics); objects, arrays and functions are modelled
 * with identity, so that mutation through any alias is seen; Dags and Tasks are the DSL's own objects.
 *
 * Anything the analysis cannot know is an {@link Opaque}: it carries the {@link UnknownValue} shown to
 * the user and `reach`, the known heap values it might be or contain (`tasks[i]` with an unknown `i`
 * might be any task of the array). Mutating an opaque value must conservatively taint its reach.
 */
import type ts from 'typescript';
import { UnknownValue, type AnalysedDep, type SourceRange } from './types';
import type { Limits } from './budget';

export type Primitive = string | number | bigint | boolean | null | undefined;

let serials = 0;
/**
 * Heap values and scopes are numbered in creation order, so that speculative evaluation (see
 * `speculation.ts`) knows which existed before a branch began and must be restored after it.
 */
export function nextSerial(): number {
  return serials++;
}

/**
 * A property or element: its value and where in the source it was written (for `valueRanges`).
 * Slots are never changed in place (a write puts a new slot), so copies of an object share them.
 */
export interface Slot {
  readonly value: Value;
  /** Where the value was written, in the analysed module (a call site there, when it was written in another). */
  readonly range: SourceRange | undefined;
  /** Where it was written in another module (`file` set), when not in the analysed one. */
  readonly origin?: SourceRange;
  /** A getter/setter pair: reads and writes run code, so the value is opaque. */
  readonly accessor?: boolean;
}

/** The slot a copy of a property gets (`{...o}`): the same, unless it is an accessor (copied as data). */
export function copySlot(s: Slot): Slot {
  return s.accessor ? { value: s.value, range: s.range } : s;
}

/** A plain object (`{...}` literal, `Object.fromEntries`, …) with `Object.prototype` as prototype. */
export class ObjectValue {
  /** `serial`: a private store takes its owner's (see {@link privateStoreOf}). */
  constructor(readonly serial = nextSerial()) {}
  /** Insertion order; {@link orderedKeys} gives JS's own-key order. */
  readonly props = new Map<string, Slot>();
  /** Set when code the analysis cannot see may have changed (or may later change) the object. */
  tainted: UnknownValue | undefined;
  frozen = false;
}

/** An array; `undefined` entries in `items` are holes. */
export class ArrayValue {
  readonly serial = nextSerial();
  constructor(public items: (Slot | undefined)[] = []) {}
  tainted: UnknownValue | undefined;
  frozen = false;
}

/**
 * A tagged template's first argument: the cooked strings, frozen, with the raw strings as `raw` (a
 * frozen array of its own; not enumerable, so only a read of `raw` sees it).
 */
export class TemplateStringsValue extends ArrayValue {
  constructor(items: (Slot | undefined)[], readonly raw: ArrayValue) {
    super(items);
    this.frozen = true;
  }
}

/**
 * What a regular expression without /g gives for a match (`s.match(re)`, `re.exec(s)`): the match and
 * its groups, with `index` and `input` as own enumerable properties. `groups` is undefined, or unknown
 * when the pattern names groups (an object without a prototype, not modelled). The analysis reads
 * these three by name (and `in`/`hasOwn`); what enumerates an object's own keys (`Object.keys`,
 * `for…in`, `{...m}`, `structuredClone`) is unknown for it, and writing or deleting one escapes it.
 */
export class MatchArrayValue extends ArrayValue {
  constructor(items: (Slot | undefined)[], readonly index: number, readonly input: string, readonly groups: undefined | Opaque) {
    super(items);
  }

  /** One of the match's own properties beyond its elements and length, by name. */
  extra(key: string): { value: Value } | undefined {
    return key === 'index' ? { value: this.index } : key === 'input' ? { value: this.input } : key === 'groups' ? { value: this.groups } : undefined;
  }
}

/** A function written in the module, with the scope it closes over. */
export class Closure {
  readonly serial = nextSerial();
  /** Set once the function escaped to code the analysis cannot see (and its body was havocked). */
  escaped = false;
  constructor(
    readonly node: ts.FunctionLikeDeclaration | ts.ClassLikeDeclaration,
    readonly scope: Scope,
    /** Lexical `this` for arrow functions. */
    readonly lexicalThis: Value,
    readonly name: string,
    /** Async functions, generators and classes: calling them runs code the analysis does not follow. */
    readonly supported: boolean,
  ) {}
}

/**
 * `new Map(…)` or `new Set(…)`. Its entries are the properties of `store`, keyed by
 * {@link collectionKey} in insertion order (a Map's and a Set's own order, which a JS Map of string keys
 * keeps too), so that speculative branches, merges, escape and taint treat them exactly as they treat
 * an object's properties. A Set stores each element as its own value. `keys` gives back the key each
 * encoded key stands for; the encoding decides it, so it is never restored. `changes` counts entries
 * added and removed (not values replaced), for iterations that must notice them.
 */
export class CollectionValue {
  readonly serial = nextSerial();
  readonly store = new ObjectValue();
  readonly keys = new Map<string, Value>();
  changes = 0;
  constructor(readonly kind: 'Map' | 'Set') {}
}

/**
 * A private member `#x` of one evaluation of a class. A field lives in the private store
 * ({@link privateStoreOf}) of each object that has it, under `key`; a method or accessor is the
 * class's, and an object has it once it carries the class's brand (`brandKey`), as in JS.
 */
export interface PrivateMember {
  /** `#x`. */
  readonly name: string;
  /** Its key in a private store: never a key of another class's member (nor of another evaluation's). */
  readonly key: string;
  readonly isStatic: boolean;
  readonly kind: 'field' | 'method' | 'accessor';
  /** The brand an object carries once it has the class's private methods and accessors. */
  readonly brandKey: string;
  /** The class's name, for JS's messages. */
  readonly className: string;
  method?: Closure;
  get?: Closure;
  set?: Closure;
}

const privateStores = new WeakMap<object, ObjectValue>();

/**
 * The private elements (`#x` fields and brands) of an object, as the properties of a hidden object, so
 * that speculative branches, merges, escape and taint treat them as they treat properties (as a Map's
 * store). Only code inside the class can reach them, so nothing else enumerates, copies or freezes
 * them. Undefined while the object has none, unless `create`.
 */
export function privateStoreOf(obj: object, create: boolean): ObjectValue | undefined {
  let store = privateStores.get(obj);
  // With its owner's serial: a store first made in a speculative branch, for an object older than the
  // branch, is journaled (emptied on undo, merged) as the object's own properties would be.
  if (!store && create) privateStores.set(obj, (store = new ObjectValue((obj as { serial?: number }).serial)));
  return store;
}

/**
 * A `new Date(…)` whose time value the analysis knows: `store`'s property `t` (a number; `NaN` for an
 * invalid date), so that branches, merges, escape and taint treat it as an object's property. Only
 * what does not depend on the time zone of the machine that runs the module is followed (see
 * `builtins/dates.ts`).
 */
export class DateValue {
  readonly serial = nextSerial();
  readonly store = new ObjectValue();

  /**
   * The time value (`NaN` when invalid), or why it is not known: code the analysis cannot see may
   * have changed the date, or branches left it different.
   */
  get time(): number | UnknownValue {
    if (this.store.tainted) return this.store.tainted;
    const t = this.store.props.get('t')!.value;
    return t instanceof Opaque ? t.unknown : (t as number);
  }
}

const identities = new WeakMap<object, number>();
let nextIdentity = 0;
/**
 * The key of `k` in a {@link CollectionValue}'s store: equal for keys a Map takes as the same (SameValueZero:
 * `NaN` once, `-0` as `+0`, objects by identity); undefined for an unknown key.
 */
export function collectionKey(k: Value): string | undefined {
  if (k instanceof Opaque) return undefined;
  switch (typeof k) {
    case 'string': return `s${k}`;
    case 'number': return `n${k === 0 ? 0 : k}`;
    case 'bigint': return `b${k}`;
    case 'boolean': return k ? 'T' : 'F';
    case 'undefined': return 'u';
  }
  if (k === null) return 'l';
  let id = identities.get(k);
  if (id === undefined) identities.set(k, (id = nextIdentity++));
  return `h${id}`;
}

/**
 * A live iterator over a known array or Map (`arr.entries()`, `map.keys()`, …). JS's iterators are
 * used up: `fresh` until something iterates it, `done` once something went through all of it (it then
 * yields nothing), `unknown` once it may have been advanced part of the way (destructuring, a loop that
 * left early, code the analysis cannot see calling `next`).
 */
export class IteratorValue {
  readonly serial = nextSerial();
  state: 'fresh' | 'done' | 'unknown' = 'fresh';
  constructor(readonly source: ArrayValue | CollectionValue, readonly kind: 'keys' | 'values' | 'entries') {}
}

let opaquesMade = 0;
/**
 * How many opaque values were made so far. An operation that makes one works on something unknown, and
 * may throw at run time where the analysis cannot tell (`JSON.parse(unknownText)`): a `try` around it
 * must then assume its `catch` may run.
 */
export function opaqueCount(): number {
  return opaquesMade;
}

/**
 * An opaque value that stands for no operation on unknown data (the error value of a throw the analysis
 * follows exactly): it does not count as a possible hidden throw.
 */
export function quietOpaque(unknown: UnknownValue): Opaque {
  const o = new Opaque(unknown);
  opaquesMade--;
  return o;
}

/**
 * The unknown of a value the analysis knows in part (a URL, a settled promise: see {@link UrlOpaque},
 * {@link PromiseOpaque}), placed on `node`: making it is no operation on unknown data, so it does not
 * count as a possible hidden throw.
 */
export function quietUnknown(realm: Realm, why: string, node: ts.Node): UnknownValue {
  const unknown = realm.opaque(why, node).unknown;
  opaquesMade--;
  return unknown;
}

/** What `make` gives, the opaque values it made not counted as possible hidden throws (see {@link opaqueCount}). */
export function quietly<T>(make: () => T): T {
  const before = opaquesMade;
  try {
    return make();
  } finally {
    opaquesMade = before;
  }
}

/** Marks a value the evaluator did not follow; see the module comment. */
export class Opaque {
  constructor(
    readonly unknown: UnknownValue,
    readonly reach: readonly HeapValue[] = NO_REACH,
    /**
     * For values read from a global or an import: member accesses and calls on it make a new opaque
     * value for the longer expression (`process.env.SHA`, not just `process`).
     */
    readonly chain?: Chain,
  ) {
    opaquesMade++;
  }

  /**
   * Code the analysis does not follow may have changed the object this stands for (a property read
   * or write, a hand-over): what was known of it goes. A plain unknown knows nothing; see
   * {@link RegExpOpaque}.
   */
  forget(): void {}
}

export interface Chain {
  /** `builtin`: a member of a built-in the analysis does not model (`'a'.localeCompare`). */
  readonly kind: 'global' | 'import' | 'builtin';
  /** The global's name (`process`, `Math`) or the imported module. */
  readonly root: string;
  /** For an import: why the module is not read, when it is not simply out of the analysis' reach. */
  readonly why?: string;
}

/**
 * An object the analysis knows in part, for the few operations that read it without changing it: a
 * regular expression literal's pattern, a file's bytes, a URL's href, how a promise settled. `known` is
 * dropped, leaving a plain unknown, as soon as code may have changed the object: a property read or
 * write other than those, a hand-over to code the analysis does not see; `epoch` ties it to the havocs
 * so far (code the analysis skipped may have changed it too). The kinds below say what they are known to.
 */
export abstract class PartlyKnownOpaque<T> extends Opaque {
  constructor(
    unknown: UnknownValue,
    public known: T | undefined,
    readonly epoch: number,
    reach?: readonly HeapValue[],
  ) {
    super(unknown, reach);
  }

  override forget(): void {
    this.known = undefined;
  }

  /** What is known of it, while nothing may have changed it. */
  knownIn(realm: { readonly havocEpoch: number }): T | undefined {
    return this.epoch === realm.havocEpoch ? this.known : undefined;
  }
}

/**
 * A regular expression object made by a literal: known (its pattern) only to the string methods that
 * take it as their pattern (replace, replaceAll, split, match with /g, search: see builtins/regexps.ts).
 */
export class RegExpOpaque extends PartlyKnownOpaque<{ readonly source: string; readonly flags: string }> {}

/**
 * The Buffer `readFileSync` gives without an encoding, most often hashed for a code tag
 * (`createHash('sha256').update(readFileSync(script)).digest('hex')`). It is known only to
 * `hash.update(buf)`, `buf.toString(encoding?)` and `buf.length` (see {@link bytesOf}): the file's text,
 * whose UTF-8 encoding is the file's bytes (a file that is not UTF-8 text is a plain unknown).
 */
export class BytesOpaque extends PartlyKnownOpaque<string> {}

/** The text whose UTF-8 encoding a Buffer `readFileSync` gave holds, while nothing may have changed it. */
export function bytesOf(realm: Realm, v: Value): string | undefined {
  return v instanceof BytesOpaque ? v.knownIn(realm) : undefined;
}

/**
 * A `new URL(…)` of known strings, most often a file beside the module:
 * `readFileSync(new URL('./config.json', import.meta.url), 'utf8')`. Its href is known to its string
 * properties (`href`, `pathname`, …; `searchParams` is not), `toString`, `toJSON`, conversion to a
 * string, `fileURLToPath` and the `fs` functions (see `builtins/nodeUrl.ts`).
 */
export class UrlOpaque extends PartlyKnownOpaque<string> {
  constructor(unknown: UnknownValue, href: string, epoch: number) {
    super(unknown, href, epoch);
    opaquesMade--; // a value known in part: see quietUnknown
  }
}

/** The `href` of a URL `new URL(…)` made, while nothing may have changed it. */
export function hrefOf(realm: Realm, v: Value): string | undefined {
  return v instanceof UrlOpaque ? v.knownIn(realm) : undefined;
}

/** How a promise settled: with a value, or rejected (the error's message). */
export type Settlement = { readonly value: Value } | { readonly rejection: string };

/**
 * A promise the analysis knows settled: what `readFile` of `fs/promises` gives, `Promise.resolve(…)`,
 * `Promise.all` of such. `await` takes its value (or throws its rejection) at once (see
 * `builtins/promises.ts`); it is unknown to everything else (`.then(…)`, a property: they may change
 * its `then` or `constructor`).
 */
export class PromiseOpaque extends PartlyKnownOpaque<Settlement> {
  constructor(
    unknown: UnknownValue,
    settled: Settlement,
    epoch: number,
    /** For a rejected promise: the realm's promises rejected with no handler yet, which holds it until one may have been given. */
    private readonly unhandled?: Set<PromiseOpaque>,
  ) {
    super(unknown, settled, epoch, 'value' in settled ? reachOf([settled.value]) : NO_REACH);
    opaquesMade--; // a value known in part: see quietUnknown
  }

  override forget(): void {
    super.forget();
    // Code that may have changed it may have given it a handler (`.catch(…)`) too.
    this.handled();
  }

  /** A handler was given (it is awaited, or handed to Promise.all), or may have been. */
  handled(): void {
    this.unhandled?.delete(this);
  }
}

/** How a promise the analysis made settled, while nothing may have changed it. */
export function settledOf(realm: Realm, v: Value): Settlement | undefined {
  return v instanceof PromiseOpaque ? v.knownIn(realm) : undefined;
}

/** Stands for the elements of `...xs` when `xs` is not known: the number of arguments is unknown too. */
export class SpreadOpaque extends Opaque {}

/** A built-in function (`String`, `Object.keys`, `Array.prototype.map`, `dag.task`, …). */
export class BuiltinFunction {
  constructor(
    readonly name: string,
    readonly impl: BuiltinImpl,
    readonly options: {
      /** What `new F(...)` does, when F is a constructor the analysis models. */
      readonly construct?: BuiltinImpl;
      /** Static members (`String.raw`, `Array.isArray`). */
      readonly members?: ReadonlyMap<string, Value>;
      /** A method of the DSL (`dag.task`, `task.addDep`): still modelled after built-ins are patched. */
      readonly dsl?: boolean;
      /** Takes a {@link SpreadOpaque} argument itself (`addDep(...unknownList)`). */
      readonly spreadAware?: boolean;
      /**
       * Uses its `this`: a method of a built-in prototype, written for a receiver of its own kind (as a
       * property lookup finds it), or `Array.from`/`Array.of` (their constructor): `call`, `apply` and
       * `bind` with another `this` are not followed.
       */
      readonly method?: boolean;
      /**
       * What calling it uses besides its arguments (a bound function's target, `this` and arguments):
       * code handed the function can reach them, so they escape with it and an opaque value that may be
       * it reaches them.
       */
      readonly captures?: readonly Value[];
    } = {},
  ) {}
}

/** A namespace of built-ins (`Math`, `JSON`, `Object`, `console`) or of the DSL (`import * as alm`). */
export class NamespaceValue {
  constructor(readonly name: string, readonly members: ReadonlyMap<string, Value>) {}
}

/** A `new Dag(meta)` made while evaluating: its tasks, as the runtime would hold them. */
export class DagState {
  readonly serial = nextSerial();
  readonly tasks: TaskState[] = [];
  /** The first task of each known name (what `dag.get` finds). */
  readonly firstByName = new Map<string, TaskState>();
  /** Index (in `tasks`) of the first task whose name is not static, if any. */
  firstUnknownName: number | undefined;
  tainted: UnknownValue | undefined;
  /** Set once the Dag was handed to unseen code, which can reach its meta and every task's spec. */
  escaped = false;
  variable: string | undefined;
  isDefaultExport = false;
  /**
   * The heap writes counted when the module last certainly encoded the Dag itself (`encode()`,
   * `bencode()`, `save()`, which throw on its problems), if it did.
   */
  encodedAtWrites: number | undefined;
  /** Set at the end: the module's last write came before its encoding, which so saw the Dag as it ends. */
  encodedByModule = false;
  /** The `new Dag(...)` in another module, when it is not in the analysed one. */
  madeAt: SourceRange | undefined;
  /**
   * Set once the analysed module's own code (not the top level of a module it imports) makes a task
   * in this Dag or adds an input to one (see `AnalysedDag.fromImportsOnly`).
   */
  changedHere = false;
  /** Set when the module's default export is not known: it may be this Dag. */
  mayBeDefaultExport = false;
  /** The class that made it, when that extends Dag (`new PyDag()`): its methods come before the Dag's. */
  cls: ClassValue | undefined;
  constructor(
    /** Index into the analysis' `dags`. */
    readonly index: number,
    readonly range: SourceRange,
    readonly meta: Value,
    readonly metaRange: SourceRange | undefined,
  ) {}
}

/** A `dag.task(name, spec)` made while evaluating. The spec is held by reference, as the runtime does. */
export class TaskState {
  readonly serial = nextSerial();
  readonly deps: AnalysedDep[] = [];
  /** Set when the task may not exist at run time (it is made on one branch of an unknown condition). */
  tainted: UnknownValue | undefined;
  /**
   * The object literal written as the spec argument, when the spec is the object it made (outside any
   * speculative branch): a string in it that nothing read can be edited without analysing again
   * (see `literalEdits.ts`).
   */
  specLiteral: ts.ObjectLiteralExpression | undefined;
  /** Set once the module reads `task.spec`: from then on, what the spec holds may flow anywhere. */
  specRead = false;
  constructor(
    readonly dag: DagState,
    readonly name: string | undefined,
    readonly nameUnknown: UnknownValue | undefined,
    readonly spec: Value,
    readonly ranges: {
      readonly callRange: SourceRange;
      readonly calleeRange: SourceRange;
      readonly nameRange: SourceRange;
      readonly nameLiteralRange: SourceRange | undefined;
      readonly specRange: SourceRange;
      /** The `dag.task(...)` call in another module, when it is not in the analysed one. */
      readonly madeAt?: SourceRange;
    },
    readonly iteration: number,
    /** Position in the Dag's task list (renumbered when speculative branches are merged). */
    public index: number,
  ) {}
}

/** The `Dag` class of `a-la-mode`. */
export class DagClassValue {
  static readonly instance = new DagClassValue();
  private constructor() {}
}

/**
 * The namespace object of a module the analysis reads (`import * as ns`): each member is the exporting
 * module's binding, read live.
 */
export class ModuleNamespace {
  constructor(
    /** The module's path, for messages. */
    readonly path: string,
    /** The member's current value; undefined when the module exports no such name. */
    readonly get: (name: string) => Value,
    /** Every exported value (what code handed the namespace can reach). */
    readonly values: () => Value[],
    /**
     * Its own keys in order, or why they are not known. The bundle's namespace is a plain object
     * with a getter per export, defined in esbuild's order (see {@link namespaceKeyOrder}).
     */
    readonly keys: () => readonly string[] | { readonly unknown: string },
  ) {}

  /**
   * Set once it may have been given properties of its own (the bundle's namespace is an ordinary,
   * extensible object): handed to code the analysis cannot see, or written to. Its keys are then not known.
   */
  tainted: UnknownValue | undefined;

  /** Its keys, unless they may have changed. */
  currentKeys(): readonly string[] | { readonly unknown: string } {
    return this.tainted ? { unknown: this.tainted.why } : this.keys();
  }
}

/**
 * The keys of a namespace object in the bundle: esbuild defines the exports sorted by their UTF-8
 * bytes (Go's string order), and JS then lists integer-like keys first, ascending.
 */
export function namespaceKeyOrder(names: Iterable<string>): string[] {
  const encoded = [...names].map((name) => ({ name, bytes: Buffer.from(name, 'utf8') }));
  encoded.sort((a, b) => Buffer.compare(a.bytes, b.bytes));
  const integers: number[] = [];
  const strings: string[] = [];
  for (const { name } of encoded) {
    const i = arrayIndex(name);
    if (i === undefined) strings.push(name);
    else integers.push(i);
  }
  integers.sort((a, b) => a - b);
  return [...integers.map(String), ...strings];
}

export type HeapValue = ObjectValue | ArrayValue | Closure | IteratorValue | CollectionValue | DateValue | DagState | TaskState | ModuleNamespace;
/** Heap values with state that changes in place (a Map's is its store's). */
export type MutableHeapValue = ObjectValue | ArrayValue | Closure | IteratorValue | DagState | TaskState;
export type Value = Primitive | HeapValue | Opaque | BuiltinFunction | NamespaceValue | DagClassValue;

export const NO_REACH: readonly HeapValue[] = Object.freeze([]);

/** One argument as written: the expression (or spread element) it came from. */
export interface ArgInfo {
  readonly node: ts.Expression | undefined;
  /** Index of the argument (or spread) in the call's argument list. */
  readonly index: number;
  /** True when the value came out of a spread `...xs`. */
  readonly spread: boolean;
}

/** The syntax a call comes from, for ranges: the call expression and its arguments. */
export interface CallSite {
  readonly node: ts.Node;
  readonly args: readonly ArgInfo[];
  readonly argumentCount: number;
}

/** What a built-in needs from the evaluator; implemented by `Evaluator`. */
export interface Realm {
  call(fn: Value, thisValue: Value, args: readonly Value[], site: CallSite): Value;
  /** Throws a JS-level exception in the analysed program (a TypeError at run time). */
  throwError(message: string, node: ts.Node): never;
  /** Charges `n` units of work to the module's budget. */
  charge(n: number, node: ts.Node): void;
  /** An opaque value, its unknown placed on `node`. */
  opaque(why: string, node: ts.Node, reach?: readonly HeapValue[]): Opaque;
  /** An opaque value for a budget the analysis hit (reported as `analysis-limit`). */
  limitOpaque(why: string, node: ts.Node): Opaque;
  /** Conservatively hands `value` to code the analysis cannot see. */
  escape(value: Value, why: UnknownValue): void;
  /** Notes that code at `node` may change a built-in the analysis applies: built-ins are not modelled after it. */
  patchBuiltins(node: ts.Node): void;
  /** `objNode`: the object's expression, when the read is written `obj.key` (names the unknown). */
  getProperty(obj: Value, key: string, node: ts.Node, objNode?: ts.Node): Value;
  /** Must be called before changing a heap value in place (speculative branches restore it). */
  touch(value: MutableHeapValue): void;
  /** JS `ToPrimitive` for known values; opaque when it would run code the analysis does not model. */
  toPrimitive(v: Value, node: ts.Node, hint?: 'string' | 'number' | 'default'): Primitive | Opaque;
  /** JS `ToString`. */
  toStr(v: Value, node: ts.Node): string | Opaque;
  /** An opaque value for `node`, a read or call of something outside the module (`process.env.X`). */
  chainOpaque(chain: Chain, node: ts.Node, mode: 'read' | 'call'): Opaque;
  iterate(value: Value, node: ts.Node): Value[] | Opaque;
  /** Says an operation on unknown values may have thrown (for `try`). */
  mayThrow(): void;
  range(node: ts.Node): SourceRange;
  text(node: ts.Node): string;
  readonly limits: Limits;
  /** Set once code was seen that patches built-ins (`String.prototype.x = …`): built-ins then return opaque values. */
  readonly builtinsPatched: UnknownValue | undefined;
  /** Counts the havocs so far (code skipped whose effects are not followed), for {@link RegExpOpaque}. */
  readonly havocEpoch: number;
  /**
   * Promises the analysis saw rejected that have no handler yet: when the module waits while one is
   * there, Node may end the process (an unhandled rejection).
   */
  readonly unhandledRejections: Set<PromiseOpaque>;
  /**
   * The folder `alamode` runs the pipeline in (its own, by real path), for relative file paths;
   * undefined when the analysis reads no files (no host).
   */
  readonly workingDirectory: string | undefined;
  /**
   * How often code the analysis does not follow ran so far (a call into a package, a havocked region):
   * it may have written files or changed the working directory.
   */
  readonly unseenCodeRuns: number;
  /** A file's text through the host (recorded, so a change re-analyses): undefined when there is none, an Error when unreadable. */
  readTextFile(absPath: string): string | undefined | Error;
  /** Whether anything is at the path on disk, through the host (recorded, so its appearing re-analyses); an Error when the host cannot tell. */
  pathExists(absPath: string): boolean | Error;
  /** The path with links resolved, through the host (the path itself without one). */
  realPath(absPath: string): string;
  /** A folder's names through the host (recorded, so a file made or removed there re-analyses): undefined when there is no folder, an Error when it cannot be listed. */
  readDirectory(absPath: string): readonly string[] | undefined | Error;
  /** The real path of the module file holding `node`, as the bundle's `__filename` gives it; undefined without a host. */
  moduleFile(node: ts.Node): string | undefined;
}

export type BuiltinImpl = (realm: Realm, thisValue: Value, args: readonly Value[], site: CallSite) => Value;

export function isPrimitive(v: Value): v is Primitive {
  return v === null || (typeof v !== 'object' && typeof v !== 'function');
}

export function isHeap(v: Value): v is HeapValue {
  return v instanceof ObjectValue || v instanceof ArrayValue || v instanceof Closure || v instanceof IteratorValue || v instanceof CollectionValue || v instanceof DateValue || v instanceof DagState || v instanceof TaskState || v instanceof ModuleNamespace;
}

/** Canonical array index ("0", "17"; not "01", "-1", "1.0"). */
export function arrayIndex(key: string): number | undefined {
  if (key.length === 0 || key.length > 10) return undefined;
  const n = Number(key);
  if (!Number.isInteger(n) || n < 0 || n >= 4294967295 || String(n) !== key) return undefined;
  return n;
}

/** Own keys in JS order: integer-like keys ascending, then string keys in insertion order. */
export function orderedKeys(obj: ObjectValue): string[] {
  let integers: number[] | undefined;
  const strings: string[] = [];
  for (const key of obj.props.keys()) {
    const i = arrayIndex(key);
    if (i === undefined) strings.push(key);
    else (integers ??= []).push(i);
  }
  if (!integers) return strings;
  integers.sort((a, b) => a - b);
  return [...integers.map(String), ...strings];
}

/** JS truthiness of a known value; undefined when it depends on something unknown. */
export function truthiness(v: Value): boolean | undefined {
  if (v instanceof Opaque) return undefined;
  if (isPrimitive(v)) return Boolean(v);
  return true;
}

/** `typeof` of a known value. */
export function typeOf(v: Value): string | undefined {
  if (v instanceof Opaque) return undefined;
  if (isPrimitive(v)) return typeof v;
  if (v instanceof Closure || v instanceof BuiltinFunction || v instanceof DagClassValue) return 'function';
  return 'object';
}

/** Heap values directly held by `values` (and by opaque values among them), for an opaque result's reach. */
export function reachOf(values: readonly Value[]): HeapValue[] {
  const out: HeapValue[] = [];
  for (const v of values) {
    if (v instanceof Opaque) out.push(...v.reach);
    else if (isHeap(v)) out.push(v);
    else if (v instanceof BuiltinFunction && v.options.captures) out.push(...reachOf(v.options.captures));
  }
  return out;
}

/** A property key from a known primitive (`ToPropertyKey`, without symbols). */
export function toPropertyKey(v: Value): string | undefined {
  if (v instanceof Opaque || !isPrimitive(v)) return undefined;
  return String(v);
}

export function sameRange(a: SourceRange, b: SourceRange): boolean {
  return a.start === b.start && a.end === b.end;
}

/** `===` on known values (heap values by identity); undefined when either side is unknown. */
export function strictEquals(a: Value, b: Value): boolean | undefined {
  if (a instanceof Opaque || b instanceof Opaque) return undefined;
  return a === b;
}

// ───────────────────────────── scopes ─────────────────────────────

/*
 * Lexical scopes of the analysed program: module, function and block scopes, each a map of bindings.
 * Closures keep their defining scope, so a function called later sees the bindings as they are then.
 */

/** A binding's value for code that only looks (havoc's reach), an import's link followed. */
export function bindingValue(b: Binding, depth = 0): Value {
  if (b.link && depth < 100) {
    const t = b.link.target();
    if (t.kind === 'value') return t.value;
    if (t.kind === 'binding') return bindingValue(t.binding, depth + 1);
    return undefined;
  }
  if (b.volatile) return new Opaque(b.volatile);
  return b.initialised ? b.value : undefined;
}

/** The binding of a module's scope that `export default <expression>` (or an anonymous function or class) exports. */
export const DEFAULT_BINDING = '*default*';

/** `self`: the name a function expression has inside itself (`function g() { … g … }`), which cannot be assigned. */
export type BindingKind = 'const' | 'let' | 'var' | 'function' | 'param' | 'import' | 'class' | 'catch' | 'self';

export interface Binding {
  value: Value;
  readonly kind: BindingKind;
  /** False between entering the scope and the declaration (the temporal dead zone of let/const/class). */
  initialised: boolean;
  /**
   * Set when code the analysis cannot follow may assign the binding at any time (an escaped closure
   * assigns it): every read is then opaque, whatever was last assigned.
   */
  volatile?: UnknownValue;
  /**
   * For imports from other modules: reads make an opaque value placed on the reference, unless the
   * analysis reads the module (`link`).
   */
  readonly importedFrom?: { readonly module: string; readonly name: string; readonly why?: string };
  /** An import of a module the analysis reads: reads go to the exporting module's binding, live. */
  readonly link?: ImportLink;
}

/** Where an imported binding leads (resolved when read: a module may export a name it imports itself). */
export interface ImportLink {
  target(): LinkTarget;
}

export type LinkTarget =
  /** A binding of the exporting module's scope (read as that module would read it). */
  | { readonly kind: 'binding'; readonly binding: Binding }
  /** A value (a module namespace, a JSON module's value). */
  | { readonly kind: 'value'; readonly value: Value }
  /** Not known: the module cannot be read, exports no such name, or the bundle drops the import. */
  | { readonly kind: 'unknown'; readonly why: string };

export class Scope {
  readonly serial = nextSerial();
  readonly bindings = new Map<string, Binding>();

  constructor(
    readonly parent: Scope | undefined,
    /** Function and module scopes hold `var`s and, unless an arrow function's, `this`. */
    readonly isFunctionScope: boolean,
    /** Present on scopes that define `this` (module scope and non-arrow function scopes). */
    readonly thisBinding?: { readonly value: Value },
  ) {}

  lookup(name: string): Binding | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const b = s.bindings.get(name);
      if (b) return b;
    }
    return undefined;
  }

  /** The scope that declares `name`. */
  lookupScope(name: string): Scope | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) if (s.bindings.has(name)) return s;
    return undefined;
  }

  /** The scope `var` declarations go to. */
  varScope(): Scope {
    let s: Scope = this;
    while (!s.isFunctionScope && s.parent) s = s.parent;
    return s;
  }

  thisValue(): Value {
    for (let s: Scope | undefined = this; s; s = s.parent) if (s.thisBinding) return s.thisBinding.value;
    return undefined;
  }

  declare(name: string, binding: Binding): void {
    this.bindings.set(name, binding);
  }

  /** A copy of this (block) scope with fresh bindings holding the same values: a `for (let …)` iteration. */
  copyForIteration(): Scope {
    const copy = new Scope(this.parent, this.isFunctionScope, this.thisBinding);
    for (const [name, b] of this.bindings) copy.bindings.set(name, { ...b });
    return copy;
  }
}

export { UnknownValue };

// ───────────────────────────── classes ─────────────────────────────

/** A property of a class's prototype: a method, or a getter and/or setter. */
export interface ProtoMember {
  readonly method?: Closure;
  readonly get?: Closure;
  readonly set?: Closure;
}

/**
 * A class written in the module that the analysis models (see `semantics/classes.ts`): its prototype's
 * methods and accessors (syntax, made when the class is defined), its static members (`statics`, the
 * own properties of the class object), and the class it extends. Calling it without `new` is unseen
 * code (it is a {@link Closure} that is not `supported`); escaping it havocs its whole body, as a
 * function's, and taints its statics and its parent.
 */
export class ClassValue extends Closure {
  /** Own properties of the class object: static fields and methods. */
  readonly statics = new ObjectValue();
  /** Methods and accessors of the prototype, by name (later definitions replace earlier ones). */
  readonly proto = new Map<string, ProtoMember>();
  /** Its private members (`#x`), by name with the `#`: new names for each evaluation of the class. */
  readonly privates = new Map<string, PrivateMember>();
  constructor(
    node: ts.ClassLikeDeclaration,
    scope: Scope,
    name: string,
    /** The class it extends (`extends Base`), when that is a class the analysis models. */
    readonly parent: ClassValue | undefined,
    /** The scope of the class body (its own name), where its methods and initialisers are made. */
    readonly bodyScope: Scope,
    /** How the bundle defines its fields (tsconfig's `useDefineForClassFields`); undefined when not known. */
    readonly fields: 'define' | 'assign' | undefined,
    /** `extends Dag`: `super(meta)` makes a Dag (see `DagState.cls`). */
    readonly extendsDag = false,
  ) {
    super(node, scope, undefined, name, false);
  }

  /** Whether this class's instances are Dags: it extends Dag, or a class that does. */
  get dagBased(): boolean {
    return this.extendsDag || (this.parent?.dagBased ?? false);
  }

  /** Whether this class or one it extends escaped (unseen code may have changed a prototype). */
  chainEscaped(): boolean {
    for (let c: ClassValue | undefined = this; c; c = c.parent) if (c.escaped || c.statics.tainted) return true;
    return false;
  }

  /** The prototype member named `key`, from this class up (not `Object.prototype`'s). */
  findProto(key: string): ProtoMember | undefined {
    for (let c: ClassValue | undefined = this; c; c = c.parent) {
      const m = c.proto.get(key);
      if (m) return m;
    }
    return undefined;
  }

  /** `a instanceof C`; undefined when not known. */
  hasInstance(a: Value): boolean | undefined {
    if (this.chainEscaped() || a instanceof Opaque) return undefined;
    if ((a instanceof ObjectValue || a instanceof ArrayValue) && a.tainted) return undefined;
    // A Dag made by a class extending Dag is an instance of that class and those it extends.
    const cls = a instanceof InstanceValue ? a.cls : a instanceof DagState ? a.cls : undefined;
    if (a instanceof DagState && a.tainted) return undefined;
    for (let c: ClassValue | undefined = cls; c; c = c.parent) if (c === this) return true;
    return false;
  }

  /** Whether a prototype in the chain has a getter or setter. */
  hasAccessors(): boolean {
    for (let c: ClassValue | undefined = this; c; c = c.parent) for (const m of c.proto.values()) if (m.get || m.set) return true;
    return false;
  }
}

/** The `this` of a derived class's constructor before `super(…)` is called: reading it throws. */
export const THIS_BEFORE_SUPER = new WeakSet<Opaque>();

/**
 * An instance of a {@link ClassValue} (`new C(…)`): an object whose own properties are those of a plain
 * object (so copies, keys, freezing and speculation treat it as one), and whose prototype is its class's.
 * It is not a plain object: in a spec or meta it is an error, as at run time.
 */
export class InstanceValue extends ObjectValue {
  constructor(readonly cls: ClassValue) {
    super();
  }
}
