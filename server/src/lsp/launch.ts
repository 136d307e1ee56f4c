/**
 * `alamode-language-server` (`server/out/languageServer.cjs`): starts the server's bundle
 * (`languageServerMain.cjs`) from a V8 code cache kept on disk.
 *
 * The bundle is mostly TypeScript's compiler: 4 MB of JavaScript that V8 compiles when the server
 * starts, and again function by function while the first module is parsed and analysed. A cache of the
 * bytecode, made once the server has analysed something, lets the next server skip both: measured on a
 * 2-core machine with a 3,001-task module, the server answered `initialize` ~200 ms sooner (median
 * 405 → 202 ms) and showed its first lenses ~40 ms sooner (443 → 403 ms).
 *
 * Written here rather than taken from a library because the gain is in *when* the cache is made: Node's
 * `module.enableCompileCache` (Node ≥ 22.1; VS Code 1.91 runs Node 20) and `v8-compile-cache` keep what
 * V8 compiled while loading the module, its top level (183 KB here, and no faster first lenses,
 * measured), not the parser and analysis functions compiled during the first analysis (3.2 MB). V8
 * checks its own version and flags; the bundle's own hash, checked here, guards against a cache of
 * another build (V8 only compares the source's length).
 *
 * Nothing here may stop the server: a cache that is missing, stale, corrupt or unwritable means only a
 * slower start, and `ALAMODE_CODE_CACHE=off` turns it off.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { COLLECTOR_FLAGS } from './idleCollector';
import { writeFileAtomic } from '../engine/fsUtil';
import { Script } from 'node:vm';
import envPaths from 'env-paths';
import type { LaunchInfo, runLanguageServer } from './main';

const mainFile = join(__dirname, 'languageServerMain.cjs');

/** How the cache file starts: the SHA-256 of the bundle it was made from. */
const HASH_BYTES = 32;

/**
 * The collector's flags (`--expose-gc`, `--no-flush-bytecode`) are set before anything is compiled.
 * The server sets them at run time anyway (see `idleCollector.ts`), and V8 stamps a cache with a hash
 * of its flags: set after compiling, they made every cache differ from the next server's flags, and
 * V8 rejected them all (measured).
 */
for (const flag of COLLECTOR_FLAGS) setFlagsFromString(flag);

/** Where caches live: `ALAMODE_CODE_CACHE`, else the user's cache folder (`~/.cache/alamode` on Linux). */
function cacheFolder(): string | undefined {
  const configured = process.env.ALAMODE_CODE_CACHE;
  if (configured === 'off') return undefined;
  return configured || envPaths('alamode', { suffix: '' }).cache;
}

/**
 * One file per Node build and set of Node flags (VS Code's Node and a terminal's `node` may differ and
 * would otherwise replace each other's cache on every start); a new build of the server replaces it.
 */
function cacheFileIn(folder: string): string {
  const runtime = createHash('sha256').update(JSON.stringify([process.version, process.arch, process.versions.v8, process.execArgv])).digest('hex').slice(0, 16);
  return join(folder, `language-server-${runtime}.v8cache`);
}

function readCache(file: string, sourceHash: Buffer): { data?: Buffer; why: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return { why: 'no code cache yet' };
  }
  if (bytes.length <= HASH_BYTES || !bytes.subarray(0, HASH_BYTES).equals(sourceHash)) return { why: 'the code cache was made by another build' };
  return { data: bytes.subarray(HASH_BYTES), why: '' };
}

/** Writes the cache whole or not at all: a server starting meanwhile never reads half a file. */
function writeCache(file: string, sourceHash: Buffer, data: Buffer): void {
  writeFileAtomic(file, Buffer.concat([sourceHash, data]));
}

function launch(): void {
  const source = readFileSync(mainFile, 'utf8');
  const folder = cacheFolder();
  const file = folder === undefined ? undefined : cacheFileIn(folder);
  const sourceHash = createHash('sha256').update(source).digest();
  const cached = file === undefined ? { why: 'the code cache is off (ALAMODE_CODE_CACHE=off)' } : readCache(file, sourceHash);
  // The CommonJS wrapper Node itself puts around a module.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: mainFile, cachedData: cached.data });
  const used = cached.data !== undefined && !script.cachedDataRejected;
  const codeCache: LaunchInfo['codeCache'] = used
    ? `compiled from the code cache ${file}`
    : `compiled without a code cache: ${cached.data ? 'V8 rejected the code cache (another Node or other flags)' : cached.why}`;

  let saved = false;
  const onQuiet = () => {
    if (used || saved || file === undefined) return undefined;
    saved = true;
    try {
      writeCache(file, sourceHash, script.createCachedData());
      return `code cache written to ${file}`;
    } catch (e) {
      return `the code cache could not be written (${e instanceof Error ? e.message : String(e)}); the next start compiles again`;
    }
  };

  // Lenses are remembered beside the code cache, by this bundle and Node (their number formatting and
  // sorting are the analysis' too); `ALAMODE_LENS_MEMORY=off` turns that off alone.
  const lensMemory = folder === undefined || process.env.ALAMODE_LENS_MEMORY === 'off'
    ? undefined
    : { folder: join(folder, 'lenses'), build: `${sourceHash.toString('hex')} ${process.version} ${process.arch}` };

  const module = { exports: {} as { runLanguageServer?: typeof runLanguageServer } };
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, createRequire(mainFile), module, mainFile, dirname(mainFile));
  module.exports.runLanguageServer!({ codeCache, onQuiet, ...(lensMemory ? { lensMemory } : {}) });
}

launch();
