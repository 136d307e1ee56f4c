/**
 * Node's `url` module, for the ES module idiom of finding a file beside the module:
 * `dirname(fileURLToPath(import.meta.url))`. `fileURLToPath` of a known string is Node's own (POSIX
 * servers only, as for `path`); a `URL` object and the rest of the module are unknown.
 */
import { fileURLToPath } from 'node:url';
import { NamespaceValue, Opaque, reachOf, type Value } from '../values';
import { fn } from './support';

const fileUrlToPath = fn('url.fileURLToPath', (realm, _this, args, site) => {
  const [url] = args;
  if (url instanceof Opaque) return new Opaque(url.unknown, reachOf(args));
  if (typeof url !== 'string') return realm.opaque(`${realm.text(site.node)} converts something other than a string, which the analysis does not model`, site.node, reachOf(args));
  try {
    return fileURLToPath(url);
  } catch (e) {
    return realm.throwError((e as Error).message, site.node);
  }
});

const urlModule = new NamespaceValue('url', new Map<string, Value>([['fileURLToPath', fileUrlToPath]]));

/** `url` and `node:url`: the module (default, `import url = require`) and what `import * as url` gives. */
export const URL_MODULE = { module: urlModule, namespace: new NamespaceValue('url', new Map<string, Value>([['fileURLToPath', fileUrlToPath], ['default', urlModule]])) };
