/**
 * Node's `path` module (`import * as path from 'node:path'`, `import path from 'path'`,
 * `import { join } from 'node:path'`, `path/posix`): its pure functions applied natively, as Node's own
 * `path.posix` functions, to known arguments.
 *
 * - `path.posix.*` is the same on every platform. `path.*` is `path.posix` on a POSIX system and
 *   `path.win32` on Windows: the analysis models it as POSIX when the server runs on a POSIX system
 *   (the CLI runs on the same OS family), and as unknown on Windows (the pipeline may be encoded on
 *   either; `path.win32` is not modelled).
 * - `resolve` and `relative` read the working directory unless their arguments make it irrelevant (an
 *   absolute argument to `resolve`, two absolute paths to `relative`): the folder the CLI runs the
 *   pipeline in, by real path (see `posixFunction`); unknown when that is not known.
 * - Arguments are validated by Node itself (a non-string throws the TypeError it throws at run time); an
 *   object is never converted to a string (Node does not either).
 */
import { posix } from 'node:path';
import type ts from 'typescript';
import {
  BuiltinFunction,
  NamespaceValue,
  ObjectValue,
  Opaque,
  isPrimitive,
  reachOf,
  type Realm,
  type Value,
} from '../values';
import { nativeError } from './coercion';
import { checkString, fn } from './support';
import { FS_MODULE, FS_PROMISES_MODULE } from './nodeFs';
import { CRYPTO_MODULE } from './nodeCrypto';
import { URL_MODULE } from './nodeUrl';

/** What an object argument stands for when passed to Node: something that is not a string (Node throws). */
const NOT_A_STRING = Object.freeze({});

/** Known arguments as Node receives them; opaque when one is not known. */
function nativeArgs(args: readonly Value[]): unknown[] | Opaque {
  const out: unknown[] = [];
  for (const a of args) {
    if (a instanceof Opaque) return new Opaque(a.unknown, reachOf(args));
    out.push(isPrimitive(a) ? a : NOT_A_STRING);
  }
  return out;
}

/** The result of a native call, as a value of the analysed program (its errors thrown there). */
function applyNative(realm: Realm, f: () => unknown, node: ts.Node): Value {
  let r: unknown;
  try {
    r = f();
  } catch (e) {
    nativeError(realm, e, node);
  }
  if (typeof r === 'string') return checkString(realm, r, node);
  if (typeof r === 'boolean') return r;
  if (r !== null && typeof r === 'object') {
    // `parse`: a fresh plain object of strings, in Node's key order.
    const obj = new ObjectValue();
    for (const [k, v] of Object.entries(r)) obj.props.set(k, { value: v as Value, range: undefined });
    return obj;
  }
  return realm.opaque(`${realm.text(node)} is not modelled by the analysis`, node);
}

type PathFn = (...args: unknown[]) => unknown;

/**
 * A function of `path.posix` applied to known arguments. `inWorkingDirectory`, for one that may read
 * the working directory (`resolve`, `relative`), applies it there: the folder the CLI runs the pipeline
 * in, by real path, as `process.cwd()` gives it (the system resolves links in it). Unknown without one
 * (a pipeline not saved in a folder), or after code the analysis does not follow ran (it may have
 * called `process.chdir`).
 */
function posixFunction(name: string, f: PathFn, inWorkingDirectory?: { readonly arity?: number; readonly needed: (args: readonly string[]) => boolean; readonly apply: (cwd: string, args: readonly string[]) => unknown }): BuiltinFunction {
  return fn(`path.posix.${name}`, (realm, _this, args, site) => {
    const native = nativeArgs(args);
    if (native instanceof Opaque) return native;
    realm.charge(native.reduce((n: number, a) => n + (typeof a === 'string' ? a.length : 0), 1), site.node);
    // Node checks the types of the arguments it reads (`relative` reads two; more are ignored) before it
    // reads the working directory.
    if (!inWorkingDirectory) return applyNative(realm, () => f(...native), site.node);
    const read = native.slice(0, inWorkingDirectory.arity ?? native.length);
    if (!read.every((a) => typeof a === 'string') || !inWorkingDirectory.needed(read as string[])) return applyNative(realm, () => f(...native), site.node);
    const directory = realm.workingDirectory;
    if (directory === undefined || realm.unseenCodeRuns > 0) {
      return realm.opaque(`${realm.text(site.node)} depends on the working directory the pipeline is encoded in`, site.node);
    }
    const cwd = realm.realPath(directory);
    return applyNative(realm, () => inWorkingDirectory.apply(cwd, read as string[]), site.node);
  });
}

/** `path.format(pathObject)`: the fields it reads, read as the program would (getters included). */
const format = fn('path.posix.format', (realm, _this, args, site) => {
  const obj = args[0];
  if (obj instanceof Opaque) return new Opaque(obj.unknown, reachOf(args));
  if (!(obj instanceof ObjectValue)) {
    // Node rejects anything but an object (arrays and functions included) with a TypeError.
    return applyNative(realm, () => posix.format((isPrimitive(obj) ? obj : []) as never), site.node);
  }
  const fields: Record<string, unknown> = {};
  for (const key of ['dir', 'root', 'base', 'name', 'ext']) {
    const v = realm.getProperty(obj, key, site.node);
    if (v instanceof Opaque) return new Opaque(v.unknown, reachOf([obj]));
    // An object would be converted to a string by its own code: not followed.
    if (!isPrimitive(v)) return realm.opaque(`${realm.text(site.node)} converts an object to a string, which the analysis does not follow here`, site.node, reachOf([obj]));
    fields[key] = v;
  }
  return applyNative(realm, () => posix.format(fields as never), site.node);
});

const POSIX_FUNCTIONS: [string, Value][] = [
  ['join', posixFunction('join', posix.join as PathFn)],
  ['normalize', posixFunction('normalize', posix.normalize as PathFn)],
  ['basename', posixFunction('basename', posix.basename as PathFn)],
  ['dirname', posixFunction('dirname', posix.dirname as PathFn)],
  ['extname', posixFunction('extname', posix.extname as PathFn)],
  ['isAbsolute', posixFunction('isAbsolute', posix.isAbsolute as PathFn)],
  ['parse', posixFunction('parse', posix.parse as PathFn)],
  ['toNamespacedPath', posixFunction('toNamespacedPath', posix.toNamespacedPath as PathFn)],
  ['format', format],
  // Scanning from the right, `resolve` stops at the first absolute path: the working directory is read
  // only when there is none.
  ['resolve', posixFunction('resolve', posix.resolve as PathFn, { needed: (args) => !args.some((a) => posix.isAbsolute(a)), apply: (cwd, args) => posix.resolve(cwd, ...args) })],
  ['relative', posixFunction('relative', posix.relative as PathFn, { arity: 2, needed: ([from, to]) => from !== to && !(posix.isAbsolute(from!) && posix.isAbsolute(to!)), apply: (cwd, [from, to]) => posix.relative(posix.resolve(cwd, from!), posix.resolve(cwd, to!)) })],
  ['sep', '/'],
  ['delimiter', ':'],
];

function namespace(name: string, entries: [string, Value][]): NamespaceValue {
  return new NamespaceValue(name, new Map(entries));
}

/** `path.posix` (and `require('path/posix')`); `posix.posix` is itself. */
const posixModule = namespace('path', POSIX_FUNCTIONS);
(posixModule.members as Map<string, Value>).set('posix', posixModule);

/** On Windows, `path.join` is `path.win32.join`: not modelled (see the module comment). */
function windowsModule(): NamespaceValue {
  const entries: [string, Value][] = POSIX_FUNCTIONS.map(([name]) => [name, fn(`path.${name}`, (realm, _this, args, site) =>
    realm.opaque(`${realm.text(site.node)} depends on the operating system the pipeline is encoded on (the analysis models path only as POSIX, and the server runs on Windows)`, site.node, reachOf(args)))]);
  const m = namespace('path', entries.filter(([name]) => name !== 'sep' && name !== 'delimiter'));
  (m.members as Map<string, Value>).set('posix', posixModule);
  return m;
}

const pathModule = process.platform === 'win32' ? windowsModule() : posixModule;

/** What `import * as ns` gives for a CommonJS module in the bundle: its properties, and `default`, the module. */
function namespaceImport(module: NamespaceValue): NamespaceValue {
  return namespace('path', [...module.members, ['default', module]]);
}

const MODULES = new Map<string, { readonly module: NamespaceValue; readonly namespace: NamespaceValue }>([
  ['path', { module: pathModule, namespace: namespaceImport(pathModule) }],
  ['node:path', { module: pathModule, namespace: namespaceImport(pathModule) }],
  ['path/posix', { module: posixModule, namespace: namespaceImport(posixModule) }],
  ['node:path/posix', { module: posixModule, namespace: namespaceImport(posixModule) }],
  ['crypto', CRYPTO_MODULE],
  ['node:crypto', CRYPTO_MODULE],
  // Only where a path is not an OS question: `readFileSync` of a POSIX path (see `nodeFs.ts`).
  ...(process.platform === 'win32' ? [] : [['fs', FS_MODULE], ['node:fs', FS_MODULE], ['fs/promises', FS_PROMISES_MODULE], ['node:fs/promises', FS_PROMISES_MODULE], ['url', URL_MODULE], ['node:url', URL_MODULE]] as const),
]);

/** Whether the analysis models the Node module `name` (`node:crypto`, or `crypto` as a namespace names it): writing to it patches built-ins it applies. */
export function isModelledNodeModule(name: string): boolean {
  return MODULES.has(name);
}

/**
 * The value an import of a Node module the analysis models gives (`'*'` for a namespace import,
 * `'default'`, `'='` for `import x = require(…)`, or a name); undefined when not modelled.
 */
export function nodeModuleImport(specifier: string, imported: string): Value | undefined {
  const m = MODULES.get(specifier);
  if (!m) return undefined;
  if (imported === '*') return m.namespace;
  if (imported === 'default' || imported === '=') return m.module;
  return m.module.members.get(imported);
}
