/**
 * `URL` and Node's `url` module, for the ES module idioms of finding a file beside the module:
 * `dirname(fileURLToPath(import.meta.url))`, `readFileSync(new URL('./config.json', import.meta.url))`.
 *
 * - `new URL(input, base?)` of known strings (or URLs) is Node's own, and gives a {@link UrlOpaque}:
 *   known to its string properties, `toString`, `toJSON`, conversion to a string, `fileURLToPath` and
 *   the `fs` functions; anything else of it (`searchParams`, a property set) is not followed.
 * - `fileURLToPath` of a known string or URL, and `pathToFileURL` of an absolute path, are Node's own
 *   (POSIX servers only, as for `path`). The rest of the module is unknown.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import type ts from 'typescript';
import { hrefOf, NamespaceValue, Opaque, quietUnknown, reachOf, UrlOpaque, type Realm, type Value } from '../values';
import { nativeError } from './coercion';
import { applyHost, fn, hostArgs, members, methodFn } from './support';

/** A URL made from `href` at `node`. */
function makeUrl(realm: Realm, href: string, node: ts.Node): UrlOpaque {
  const why = quietUnknown(realm, `${realm.text(node)} is a URL, which the analysis follows only into its string properties, toString and the fs functions`, node);
  return new UrlOpaque(why, href, realm.havocEpoch);
}

/** A known URL as the string Node converts it to (its href); anything else as it is. */
const asHref = (realm: Realm, v: Value): Value => hrefOf(realm, v) ?? v;

/**
 * `new URL(input, base)`: both converted to strings as Node does (a URL gives its href, an object runs
 * its own toString), then parsed natively; an invalid URL throws the TypeError Node throws.
 */
const urlClass = fn('URL', (realm, _this, _args, site) => realm.throwError("Class constructor URL cannot be invoked without 'new'", site.node), {
  construct: (realm, _this, args, site) => {
    const given = args.slice(0, 2).map((a) => asHref(realm, a));
    const host = hostArgs(realm, given, site.node);
    if (host instanceof Opaque) return new Opaque(host.unknown, reachOf(args));
    const href = applyHost(realm, given, site.node, () => (host.length > 1 && host[1] !== undefined ? new URL(host[0] as string, host[1] as string) : new URL(host[0] as string)).href);
    return href instanceof Opaque ? href : makeUrl(realm, href, site.node);
  },
  members: members([
    ['canParse', fn('URL.canParse', (realm, _this, args, site) => {
      const given = args.slice(0, 2).map((a) => asHref(realm, a));
      const host = hostArgs(realm, given, site.node);
      if (host instanceof Opaque) return new Opaque(host.unknown, reachOf(args));
      // `URL.canParse` is in Node 18.17 and later; the server's own Node has it.
      return applyHost(realm, given, site.node, () => (URL as unknown as { canParse(i: string, b?: string): boolean }).canParse(host[0] as string, host[1] as string | undefined));
    })],
  ]),
});

/** The string properties of a URL, read from a native URL of its href. */
const STRING_PROPERTIES = new Set(['href', 'origin', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash']);

const urlToString = methodFn('URL.prototype.toString', (realm, thisValue, args, site) =>
  hrefOf(realm, thisValue) ?? realm.opaque(`${realm.text(site.node)} converts a URL code may have changed, which the analysis does not follow`, site.node, reachOf([thisValue, ...args])));

/**
 * `url.key` of a known URL: a string property, `toString` or `toJSON`; undefined for anything else
 * (read as an unknown, which forgets the URL: `searchParams` can change it).
 */
export function urlProperty(realm: Realm, url: UrlOpaque, key: string): Value | undefined {
  const href = hrefOf(realm, url);
  if (href === undefined) return undefined;
  if (key === 'toString' || key === 'toJSON') return urlToString;
  if (STRING_PROPERTIES.has(key)) return (new URL(href) as unknown as Record<string, string>)[key];
  return undefined;
}

/** `fileURLToPath(url)` of a known string or URL, as Node converts it (it throws as Node does). */
export function filePathOfUrl(realm: Realm, url: string, node: ts.Node): string {
  try {
    return fileURLToPath(url);
  } catch (e) {
    return nativeError(realm, e, node);
  }
}

/** Whether Node's `fileURLToPath` converts `href` without an error. */
export function isFileUrl(href: string): boolean {
  try {
    fileURLToPath(href);
    return true;
  } catch {
    return false;
  }
}

const fileUrlToPath = fn('url.fileURLToPath', (realm, _this, args, site) => {
  const url = asHref(realm, args[0]);
  if (url instanceof Opaque) return new Opaque(url.unknown, reachOf(args));
  if (typeof url !== 'string') return realm.opaque(`${realm.text(site.node)} converts something other than a string or a URL, which the analysis does not model`, site.node, reachOf(args));
  return filePathOfUrl(realm, url, site.node);
});

/** `pathToFileURL(path)` of an absolute path (a relative one is resolved against the working directory). */
const pathToFileUrl = fn('url.pathToFileURL', (realm, _this, args, site) => {
  const [path] = args;
  if (path instanceof Opaque) return new Opaque(path.unknown, reachOf(args));
  if (typeof path !== 'string' || !path.startsWith('/')) return realm.opaque(`${realm.text(site.node)} converts something other than an absolute path, which the analysis does not model`, site.node, reachOf(args));
  return makeUrl(realm, pathToFileURL(path).href, site.node);
});

const FUNCTIONS: [string, Value][] = [['fileURLToPath', fileUrlToPath], ['pathToFileURL', pathToFileUrl], ['URL', urlClass]];
const urlModule = new NamespaceValue('url', new Map<string, Value>(FUNCTIONS));

/** The global `URL` (the same class as `url.URL`). */
export { urlClass };

/** `url` and `node:url`: the module (default, `import url = require`) and what `import * as url` gives. */
export const URL_MODULE = { module: urlModule, namespace: new NamespaceValue('url', new Map<string, Value>([...FUNCTIONS, ['default', urlModule]])) };
