/**
 * Node's `fs` module, as far as a pipeline reads its configuration with it:
 * `JSON.parse(readFileSync(join(__dirname, 'config.json'), 'utf8'))`. `readFileSync` with a text
 * encoding reads the file through the analysis' host (so the server watches it, and an unsaved editor
 * gives its text, as for imports); a relative path is the CLI's working directory's, the pipeline's
 * folder. Without an encoding it gives a Buffer known only to a hash's `update`, `toString` and
 * `length` (`BytesOpaque`). `existsSync` and `readdirSync` (names only) ask the host too, so a file made where a
 * pipeline looked, or in a folder it listed, analyses it again. Everything else of `fs` is unknown (a
 * namespace member the analysis does not model reads as unknown, never as missing).
 */
import { tmpdir } from 'node:os';
import { posix } from 'node:path';
import { BuiltinFunction, bytesOf, BytesOpaque, hrefOf, isPrimitive, NamespaceValue, ObjectValue, Opaque, reachOf, type CallSite, type Realm, type Value } from '../values';
import { nativeError } from './coercion';
import { filePathOfUrl, isFileUrl } from './nodeUrl';
import { settledPromise } from './promises';
import { ThrowSignal } from '../signals';
import { fn, methodFn, newArray } from './support';

/** The encodings for which `readFileSync` returns the file's text as the host reads it (UTF-8). */
const UTF8 = new Set(['utf8', 'utf-8']);

function encodingOf(options: Value): string | undefined {
  if (typeof options === 'string') return options.toLowerCase();
  if (options instanceof ObjectValue && !options.tainted) {
    const slot = options.props.get('encoding');
    if (slot && !slot.accessor && typeof slot.value === 'string') return slot.value.toLowerCase();
  }
  return undefined;
}

/**
 * The absolute path a file function is given, as the CLI resolves it (a relative path is the
 * pipeline's folder's), or the unknown that says why not.
 */
function pathOf(realm: Realm, path: Value, args: readonly Value[], site: CallSite): string | Opaque {
  const unknown = (why: string) => realm.opaque(`${realm.text(site.node)} ${why}`, site.node, reachOf(args));
  const opaque = args.find((a): a is Opaque => a instanceof Opaque);
  if (opaque) return new Opaque(opaque.unknown, reachOf(args));
  if (typeof path !== 'string') return unknown('names a file by something other than a string, which the analysis does not model');
  const directory = realm.workingDirectory;
  if (directory === undefined || path.includes('\0')) return unknown('reads a file, which the analysis can only do in a pipeline saved in a folder');
  // Code it did not follow may have written the file, or changed the working directory, since.
  if (realm.unseenCodeRuns > 0) return unknown('reads a file after code the analysis does not follow ran, which may have changed it');
  if (!dotDotResolvesAsText(realm, directory, path)) return unknown('goes up a folder (..) from a path that is a link or not a folder, which the system resolves otherwise than the text');
  const absolute = posix.resolve(directory, path);
  // What is there differs from one process to the next (`/proc/self`, the CLI's own temporary folder).
  if (/^\/(proc|sys|dev)(\/|$)/.test(absolute) || absolute === posix.resolve(tmpdir())) return unknown('looks at a system folder, whose contents differ for the CLI\'s own process');
  return absolute;
}

/**
 * Whether every `..` of `path` undoes the part before it, as resolving the text does: the system
 * resolves `..` on disk, so `missing/..` and `file.json/..` fail, and `link/..` is the parent of the
 * link's target. True when each folder a `..` leaves is a folder and no link (its real path is itself).
 */
function dotDotResolvesAsText(realm: Realm, directory: string, path: string): boolean {
  const parts = path.split('/');
  if (!parts.includes('..')) return true;
  let at = path.startsWith('/') ? '/' : directory;
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (at !== '/' && (realm.realPath(at) !== at || !Array.isArray(realm.readDirectory(at)))) return false;
      at = posix.dirname(at);
    } else {
      at = posix.join(at, part);
    }
  }
  return true;
}

/**
 * The arguments of a file function with its path first as a string when it is a known URL: a `file:`
 * URL names the file of its path (Node's own conversion, which throws for another scheme).
 */
function withUrlPath(realm: Realm, args: readonly Value[], site: CallSite): readonly Value[] {
  const href = hrefOf(realm, args[0]);
  return href === undefined ? args : [filePathOfUrl(realm, href, site.node), ...args.slice(1)];
}

/** `x/`, `x/.`, `.`: a path only a folder can answer (resolving drops what says so). */
const namesFolder = (path: string) => /(^|\/)\.{0,2}$/.test(path);

const readFileSync = fn('fs.readFileSync', (realm, _this, given, site) => {
  const args = withUrlPath(realm, given, site);
  const [path, options] = args;
  const absolute = pathOf(realm, path, args, site);
  if (absolute instanceof Opaque) return absolute;
  const encoding = encodingOf(options);
  const unknown = (why: string) => realm.opaque(`${realm.text(site.node)} ${why}`, site.node, reachOf(args));
  const buffer = givesBuffer(options);
  if (!buffer && (encoding === undefined || !UTF8.has(encoding))) return unknown('gives text in an encoding other than UTF-8, which the analysis does not model');
  if (namesFolder(path as string)) return unknown('reads a path that names a folder');
  const text = realm.readTextFile(absolute);
  if (text === undefined) return realm.throwError(`ENOENT: no such file or directory (or a folder), open '${path as string}'`, site.node);
  if (typeof text !== 'string') {
    realm.mayThrow();
    return unknown(`reads a file the analysis cannot read (${text.message})`);
  }
  realm.charge(text.length >> 6, site.node);
  if (!buffer) return text;
  // Bytes that are not UTF-8 were read as U+FFFD: the text no longer gives them back.
  if (text.includes('\uFFFD')) return unknown('reads a file that is not UTF-8 text into a Buffer, which the analysis does not model');
  const why = realm.opaque(`${realm.text(site.node)} is a Buffer, which the analysis follows only into a hash's update, toString and length`, site.node).unknown;
  return new BytesOpaque(why, text, realm.havocEpoch);
});

/**
 * `buf.toString(encoding?)` of a file's Buffer (see `BytesOpaque`): its text for UTF-8, else Node's own
 * conversion of the bytes (`hex`, `base64`, …; an encoding Node does not know throws as there). A range
 * (`start`, `end`) is unknown.
 */
export const bytesToString = methodFn('Buffer.prototype.toString', (realm, thisValue, args, site) => {
  const text = bytesOf(realm, thisValue);
  const [encoding, ...range] = args;
  if (text === undefined) return realm.opaque(`${realm.text(site.node)} converts a Buffer code may have changed, which the analysis does not follow`, site.node, reachOf([thisValue, ...args]));
  if (!args.every(isPrimitive)) {
    // Node converts them (`${encoding}`, `+start`): their toString or valueOf may run, and change anything.
    const why = realm.opaque(`${realm.text(site.node)} converts arguments that are not primitives, which the analysis does not follow`, site.node);
    for (const a of args) realm.escape(a, why.unknown);
    return why;
  }
  if (range.some((v) => v !== undefined) || (encoding !== undefined && typeof encoding !== 'string')) return realm.opaque(`${realm.text(site.node)} is not modelled by the analysis (only an encoding is)`, site.node, reachOf(args));
  if (encoding === undefined || UTF8.has(encoding.toLowerCase())) return text;
  realm.charge(text.length >> 6, site.node);
  try {
    return Buffer.from(text, 'utf8').toString(encoding as BufferEncoding);
  } catch (e) {
    return nativeError(realm, e, site.node);
  }
});

/** `readFileSync` options that give a Buffer: none, `null`, or `{ encoding: null, flag: 'r' }` and the like. */
function givesBuffer(options: Value): boolean {
  if (options === undefined || options === null) return true;
  if (!(options instanceof ObjectValue) || options.tainted || Object.getPrototypeOf(options) !== ObjectValue.prototype) return false;
  for (const [key, slot] of options.props) {
    if (slot.accessor) return false;
    const ok = key === 'encoding' ? slot.value === null || slot.value === undefined : key === 'flag' && slot.value === 'r';
    if (!ok) return false;
  }
  return true;
}

/**
 * `existsSync(path)`: whether a file or folder is there, as the host sees it (so the server watches the
 * path, and a file made there re-analyses). Never throws, as Node's does not.
 */
const existsSync = fn('fs.existsSync', (realm, _this, given, site) => {
  // A URL that names no file: false, as Node's own catches the conversion's error.
  const href = hrefOf(realm, given[0]);
  if (href !== undefined && !isFileUrl(href)) return false;
  const args = withUrlPath(realm, given, site);
  const [path] = args;
  if (path === '') return false;
  const absolute = pathOf(realm, path, args.slice(0, 1), site);
  if (absolute instanceof Opaque) return absolute;
  const unknown = (e: Error) => realm.opaque(`${realm.text(site.node)} looks at a path the analysis cannot read (${e.message})`, site.node, reachOf(args));
  // `x/`: only a folder (resolving the text drops the slash).
  if (namesFolder(path as string)) {
    const names = realm.readDirectory(absolute);
    return names instanceof Error ? unknown(names) : names !== undefined;
  }
  const exists = realm.pathExists(absolute);
  return exists instanceof Error ? unknown(exists) : exists;
});

/** Options of `readdirSync` that give the names as UTF-8 strings, one level deep (what is modelled). */
function namesOnly(options: Value): boolean {
  if (options === undefined || options === null) return true;
  if (typeof options === 'string') return UTF8.has(options.toLowerCase());
  if (!(options instanceof ObjectValue) || options.tainted || Object.getPrototypeOf(options) !== ObjectValue.prototype) return false;
  for (const [key, slot] of options.props) {
    if (slot.accessor) return false;
    const ok = key === 'encoding' ? typeof slot.value === 'string' && UTF8.has(slot.value.toLowerCase()) : (key === 'withFileTypes' || key === 'recursive') && (slot.value === false || slot.value === undefined);
    if (!ok) return false;
  }
  return true;
}

/**
 * `readdirSync(folder)`: the names in it, in Node's order, through the host (so the server watches the
 * folder, and a file made or removed there re-analyses). Dirents, other encodings and `recursive` are
 * unknown.
 */
const readdirSync = fn('fs.readdirSync', (realm, _this, given, site) => {
  const args = withUrlPath(realm, given, site);
  const [path, options] = args;
  if (path === '') return realm.throwError("ENOENT: no such file or directory, scandir ''", site.node);
  const absolute = pathOf(realm, path, args, site);
  if (absolute instanceof Opaque) return absolute;
  if (!namesOnly(options)) return realm.opaque(`${realm.text(site.node)} asks for entries, other encodings or a recursive listing, which the analysis does not model`, site.node, reachOf(args));
  const names = realm.readDirectory(absolute);
  if (names instanceof Error) {
    realm.mayThrow();
    return realm.opaque(`${realm.text(site.node)} lists a folder the analysis cannot read (${names.message})`, site.node, reachOf(args));
  }
  if (names === undefined) {
    // Not a folder: Node throws (ENOENT or ENOTDIR; a caught error's message is not followed).
    const exists = realm.pathExists(absolute);
    if (exists instanceof Error) {
      realm.mayThrow();
      return realm.opaque(`${realm.text(site.node)} lists a path the analysis cannot look at (${exists.message})`, site.node, reachOf(args));
    }
    return realm.throwError(`${exists ? 'ENOTDIR: not a directory' : 'ENOENT: no such file or directory'}, scandir '${path as string}'`, site.node);
  }
  realm.charge(names.length + 1, site.node);
  return newArray(realm, names, site.node);
});

/**
 * `fs/promises`' version of a function of the above: a promise settled at once as the synchronous one
 * returns or throws (see builtins/promises.ts), or unknown when that is unknown. The file is read when
 * the call is made, as far as the analysis can tell: code that changes it before Node reads it is code
 * the analysis does not follow.
 */
function promised(name: string, sync: BuiltinFunction): BuiltinFunction {
  return fn(`fs.promises.${name}`, (realm, thisValue, args, site) => {
    let value: Value;
    try {
      value = sync.impl(realm, thisValue, args, site);
    } catch (e) {
      if (e instanceof ThrowSignal) return settledPromise(realm, { rejection: e.description }, site.node);
      throw e;
    }
    return value instanceof Opaque && !(value instanceof BytesOpaque) ? value : settledPromise(realm, { value }, site.node);
  });
}

const PROMISE_FUNCTIONS: [string, Value][] = [['readFile', promised('readFile', readFileSync)], ['readdir', promised('readdir', readdirSync)]];
const promisesModule = new NamespaceValue('fs/promises', new Map<string, Value>(PROMISE_FUNCTIONS));

/** `fs/promises` and `node:fs/promises` (also `fs.promises`). */
export const FS_PROMISES_MODULE = { module: promisesModule, namespace: new NamespaceValue('fs/promises', new Map<string, Value>([...PROMISE_FUNCTIONS, ['default', promisesModule]])) };

const FUNCTIONS: [string, Value][] = [['readFileSync', readFileSync], ['existsSync', existsSync], ['readdirSync', readdirSync], ['promises', promisesModule]];
const fsModule = new NamespaceValue('fs', new Map<string, Value>(FUNCTIONS));

/** `fs` and `node:fs`: the module (default, `import fs = require`) and what `import * as fs` gives. */
export const FS_MODULE = { module: fsModule, namespace: new NamespaceValue('fs', new Map<string, Value>([...FUNCTIONS, ['default', fsModule]])) };
