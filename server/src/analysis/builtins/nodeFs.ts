/**
 * Node's `fs` module, as far as a pipeline reads its configuration with it:
 * `JSON.parse(readFileSync(join(__dirname, 'config.json'), 'utf8'))`. `readFileSync` with a text
 * encoding reads the file through the analysis' host (so the server watches it, and an unsaved editor
 * gives its text, as for imports); a relative path is the CLI's working directory's, the pipeline's
 * folder. Everything else of `fs` is unknown (a namespace member the analysis does not model reads as
 * unknown, never as missing).
 */
import { posix } from 'node:path';
import { NamespaceValue, ObjectValue, Opaque, reachOf, type Value } from '../values';
import { fn } from './support';

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

const readFileSync = fn('fs.readFileSync', (realm, _this, args, site) => {
  const [path, options] = args;
  const unknown = (why: string) => realm.opaque(`${realm.text(site.node)} ${why}`, site.node, reachOf(args));
  if (path instanceof Opaque || options instanceof Opaque) return new Opaque((path instanceof Opaque ? path : (options as Opaque)).unknown, reachOf(args));
  if (typeof path !== 'string') return unknown('reads a file named by something other than a string, which the analysis does not model');
  const encoding = encodingOf(options);
  if (encoding === undefined || !UTF8.has(encoding)) return unknown('gives a Buffer or text in an encoding other than UTF-8, which the analysis does not model');
  const directory = realm.workingDirectory;
  if (directory === undefined || path.includes('\0')) return unknown('reads a file, which the analysis can only do in a pipeline saved in a folder');
  // Code it did not follow may have written the file, or changed the working directory, since.
  if (realm.unseenCodeRuns > 0) return unknown('reads a file after code the analysis does not follow ran, which may have changed it');
  const text = realm.readTextFile(posix.resolve(directory, path));
  if (text === undefined) return realm.throwError(`ENOENT: no such file or directory (or a folder), open '${path}'`, site.node);
  if (typeof text !== 'string') {
    realm.mayThrow();
    return unknown(`reads a file the analysis cannot read (${text.message})`);
  }
  realm.charge(text.length >> 6, site.node);
  return text;
});

const fsModule = new NamespaceValue('fs', new Map<string, Value>([['readFileSync', readFileSync]]));

/** `fs` and `node:fs`: the module (default, `import fs = require`) and what `import * as fs` gives. */
export const FS_MODULE = { module: fsModule, namespace: new NamespaceValue('fs', new Map<string, Value>([['readFileSync', readFileSync], ['default', fsModule]])) };
