/**
 * The globals the analysis models (what a module reads when it does not declare a name), and the sets
 * of globals that patching invalidates and whose calls are safe to make with known arguments.
 */
import { posix } from 'node:path';
import type ts from 'typescript';
import {
  BuiltinFunction,
  DagClassValue,
  NamespaceValue,
  Opaque,
  UnknownValue,
  isHeap,
  type Realm,
  type Value,
  quietly,
  BytesOpaque,
  PromiseOpaque,
  RegExpOpaque,
  UrlOpaque,
} from '../values';
import { arrayFn } from './arrays';
import { structuredCloneFn } from './clone';
import { mapFn, setFn } from './collections';
import { dateFn } from './dates';
import { jsonNamespace } from './json';
import { objectFn } from './objects';
import { bigintFn, booleanFn, numberFn, stringFn } from './primitives';
import { fn, members, pure } from './support';
import { isModelledNodeModule } from './nodePath';
import { urlClass } from './nodeUrl';
import { promiseFn } from './promises';

export const MODELLED_GLOBALS: ReadonlySet<string> = new Set([
  'String', 'Number', 'Boolean', 'BigInt', 'Object', 'Array', 'JSON', 'Math', 'console', 'parseInt', 'parseFloat',
  'isNaN', 'isFinite', 'encodeURIComponent', 'decodeURIComponent', 'encodeURI', 'decodeURI', 'Dag', 'Symbol',
  'Reflect', 'Function', 'globalThis', 'global', 'window', 'self', 'RegExp', 'structuredClone', 'Set', 'Map', 'Date',
  'URL', 'Promise', 'Buffer',
]);

/** The prototype of the built-in class a modelled instance stands for (`RegExpOpaque` and its kin). */
function instancePrototype(obj: Opaque): object | undefined {
  if (obj instanceof RegExpOpaque) return RegExp.prototype;
  if (obj instanceof BytesOpaque) return Buffer.prototype;
  if (obj instanceof UrlOpaque) return URL.prototype;
  if (obj instanceof PromiseOpaque) return Promise.prototype;
  return undefined;
}

/** Whether writing `key` on `proto` (or what inherits from it) replaces a method or other data property of the prototype chain. */
function replacesPrototypeMember(proto: object, key: string): boolean {
  if (key === '__proto__') return true;
  for (let p: object | null = proto; p; p = Object.getPrototypeOf(p) as object | null) {
    const d = Object.getOwnPropertyDescriptor(p, key);
    if (d) return 'value' in d;
  }
  return false;
}

/** Whether `name` is a global the analysis models, or an error constructor: writing to it or its members changes built-ins. */
export function isBuiltinGlobal(name: string): boolean {
  return MODELLED_GLOBALS.has(name) || ERROR_CONSTRUCTORS.has(name);
}

/** The error constructors whose errors the analysis makes without running code (`callOpaque` in calls.ts). */
export const ERROR_CONSTRUCTORS: ReadonlySet<string> = new Set(['Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError']);

/**
 * Whether a write to (or a delete from) `obj` may change a built-in the analysis applies: a modelled
 * global or a property of one (`String.prototype`, `RegExp.prototype`), a global named `key` on
 * `globalThis` (any, when the key is not known), a built-in function, namespace or the Dag class.
 */
export function changesBuiltins(obj: Value, key?: string): boolean {
  if (obj instanceof Opaque) {
    // A member of a built-in read from a value (`[].__proto__`, `''.constructor.prototype`).
    if (obj.chain?.kind === 'builtin') return true;
    // A regular expression, a Buffer, a URL or a promise the analysis models: reading `__proto__` or
    // `constructor` of one gives it back, so it may stand for its class's prototype, whose methods a
    // write replaces. (A write to an accessor of the prototype, `url.pathname = …`, is the instance's
    // setter; an element or a property of its own is only its own.)
    const proto = instancePrototype(obj);
    if (proto) return key === undefined || replacesPrototypeMember(proto, key);
    // A member of a Node module the analysis models, read or imported (`crypto.Hash.prototype`, `import { Hash } from 'node:crypto'`).
    if (obj.chain?.kind === 'import') return isModelledNodeModule(obj.chain.root);
    if (obj.chain?.kind !== 'global') return false;
    if (obj.chain.root === 'globalThis') return key === undefined || isBuiltinGlobal(key);
    // A member of an error constructor too: the runtime's code calls Error.captureStackTrace.
    return isBuiltinGlobal(obj.chain.root) || isModelledNodeModule(obj.chain.root);
  }
  return obj instanceof BuiltinFunction || obj instanceof NamespaceValue || obj instanceof DagClassValue;
}

/**
 * Globals whose functions and constructors, given primitives, never call back into the module
 * (`Date.now()`, `Math.random()`): calling them so does not hand anything over. Given an object they
 * convert or iterate it, running its methods (`callOpaque` in calls.ts).
 */
export const SAFE_GLOBAL_CALLS: ReadonlySet<string> = new Set([
  'Math', 'Date', 'Set', 'Map', 'WeakMap', 'WeakSet', 'Error', 'TypeError', 'RangeError', 'SyntaxError',
  'URL', 'RegExp', 'Symbol', 'Number', 'String', 'BigInt', 'Boolean', 'performance',
]);

// ── Math: exact functions only ──

const mathNamespace = new NamespaceValue('Math', members([
  ['abs', pure('Math.abs', (x) => Math.abs(x as number))],
  ['ceil', pure('Math.ceil', (x) => Math.ceil(x as number))],
  ['floor', pure('Math.floor', (x) => Math.floor(x as number))],
  ['round', pure('Math.round', (x) => Math.round(x as number))],
  ['trunc', pure('Math.trunc', (x) => Math.trunc(x as number))],
  ['sign', pure('Math.sign', (x) => Math.sign(x as number))],
  ['max', pure('Math.max', (...xs) => Math.max(...(xs as number[])))],
  ['min', pure('Math.min', (...xs) => Math.min(...(xs as number[])))],
  ['pow', pure('Math.pow', (x, y) => Math.pow(x as number, y as number))],
  ['sqrt', pure('Math.sqrt', (x) => Math.sqrt(x as number))],
  ['clz32', pure('Math.clz32', (x) => Math.clz32(x as number))],
  ['imul', pure('Math.imul', (x, y) => Math.imul(x as number, y as number))],
  ['fround', pure('Math.fround', (x) => Math.fround(x as number))],
  ['PI', Math.PI],
  ['E', Math.E],
  ['LN2', Math.LN2],
  ['LN10', Math.LN10],
  ['LOG2E', Math.LOG2E],
  ['LOG10E', Math.LOG10E],
  ['SQRT2', Math.SQRT2],
  ['SQRT1_2', Math.SQRT1_2],
]));

// ── console: prints, changes nothing the DAG sees ──

const consoleMethod = fn('console.log', (realm, _this, args, site) => {
  // Printing does not run the module's code, except a format string's `%s`/`%d` on an object (its
  // toString) and inspection hooks on objects the analysis could not model (opaque values).
  const formats = typeof args[0] === 'string' && args[0].includes('%');
  const why = new UnknownValue(`${realm.text(site.node)} may run code of the values it prints`, realm.range(site.node));
  for (const a of args) {
    if (a instanceof Opaque || (formats && isHeap(a))) realm.escape(a, why);
  }
  return undefined;
});

const consoleNamespace = new NamespaceValue('console', members(
  ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir', 'table', 'group', 'groupEnd', 'groupCollapsed', 'time', 'timeEnd', 'timeLog', 'count', 'assert'].map((n) => [n, consoleMethod]),
));

const GLOBALS = new Map<string, Value>([
  ['String', stringFn],
  ['Number', numberFn],
  ['Boolean', booleanFn],
  ['BigInt', bigintFn],
  ['Object', objectFn],
  ['Array', arrayFn],
  ['JSON', jsonNamespace],
  ['Math', mathNamespace],
  ['console', consoleNamespace],
  ['parseInt', pure('parseInt', (s, r) => parseInt(s as string, r as number))],
  ['parseFloat', pure('parseFloat', (s) => parseFloat(s as string))],
  ['isNaN', pure('isNaN', (x) => isNaN(x as number))],
  ['isFinite', pure('isFinite', (x) => isFinite(x as number))],
  ['encodeURIComponent', pure('encodeURIComponent', (s) => encodeURIComponent(s as string), true)],
  ['decodeURIComponent', pure('decodeURIComponent', (s) => decodeURIComponent(s as string), true)],
  ['encodeURI', pure('encodeURI', (s) => encodeURI(s as string), true)],
  ['decodeURI', pure('decodeURI', (s) => decodeURI(s as string), true)],
  ['structuredClone', structuredCloneFn],
  ['Set', setFn],
  ['Map', mapFn],
  ['Date', dateFn],
  ['URL', urlClass],
  ['Promise', promiseFn],
]);

/** The value of a global the module does not declare. */
export function globalValue(realm: Realm, name: string, node: ts.Node): Value {
  switch (name) {
    case 'undefined': return undefined;
    case 'NaN': return Number.NaN;
    case 'Infinity': return Infinity;
    // The CLI gives every module its own, by real path (`located` in cli/loadModule.ts).
    case '__filename':
    case '__dirname': {
      const file = realm.moduleFile(node);
      if (file !== undefined) return name === '__filename' ? file : posix.dirname(file);
    }
  }
  const g = GLOBALS.get(name);
  if (g !== undefined && !realm.builtinsPatched) return g;
  // An error constructor is always there (replacing it patches built-ins): reading it cannot throw.
  if (ERROR_CONSTRUCTORS.has(name) && !realm.builtinsPatched && realm.unseenCodeRuns === 0) return quietly(() => realm.chainOpaque({ kind: 'global', root: name }, node, 'read'));
  return realm.chainOpaque({ kind: 'global', root: name }, node, 'read');
}
