/**
 * What changes the built-ins the analysis applies (`String.prototype.x = …`, `globalThis.Error = …`,
 * a write to a prototype reached from a value): the globals it models, and whether a write to (or a
 * hand-over of) a value may change one. Apart from `globals.ts`, so that the built-ins that hand values
 * over (`Object.assign`) can ask without an import cycle.
 */
import {
  BuiltinFunction,
  BytesOpaque,
  DagClassValue,
  NamespaceValue,
  Opaque,
  PromiseOpaque,
  RegExpOpaque,
  UrlOpaque,
  type Value,
} from '../values';
import { isModelledNodeModule } from './nodePath';

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
