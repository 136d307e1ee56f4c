/**
 * Where an encoded DAG comes from for `alamode diff`: a `.dag` file, a pipeline module, or a
 * `REV:path` read through git (either kind).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { decodeVerifiedDag, DagFileError } from '../core/encodedDag';
import { EXIT_NO_INPUT, isErrno, readFailure, statOrUndefined } from './files';
import type { EncodedDag } from '../core/outputIds';
import { encodedOrThrow } from './report';
import { CliError, runModule, type ModuleSource } from './loadModule';

export function isModulePath(path: string): boolean {
  return /\.(m|c)?tsx?$|\.(m|c)?js$/.test(path);
}

/** `<name>.dag` beside `<name>.alamode.ts` (or `<name>.ts`). */
export function dagPathFor(modulePath: string): string {
  const name = basename(modulePath).replace(/(\.alamode)?\.(m|c)?tsx?$|(\.alamode)?\.(m|c)?js$/, '');
  return resolve(dirname(modulePath), `${name}.dag`);
}

/** A `.dag` read for a diff or a check, verified as `Dag.load` does: a stored ID that lies is refused, by task. */
export function decodeDagFile(bytes: Uint8Array, label: string): EncodedDag {
  try {
    return decodeVerifiedDag(bytes);
  } catch (e) {
    if (e instanceof DagFileError) throw new CliError(`${label}: ${e.message}`);
    throw e;
  }
}

/** A module given on the command line: it must be a file (exit 66 otherwise). Returns the path. */
export function moduleFile(path: string): string {
  const stat = statOrUndefined(path);
  if (!stat) throw Object.assign(new CliError(`${path}: no such file`), { exitCode: EXIT_NO_INPUT });
  if (stat.isDirectory()) throw Object.assign(new CliError(`${path}: is a folder, not a pipeline module`), { exitCode: EXIT_NO_INPUT });
  return path;
}

function readInput(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw isErrno(e) ? readFailure(path, e) : e;
  }
}

function readFromGit(rev: string, path: string): Buffer {
  const cwd = existsSync(dirname(resolve(path))) ? dirname(resolve(path)) : process.cwd();
  try {
    // `./name` makes git resolve the path relative to cwd, as the user wrote it. `--end-of-options`:
    // a revision such as `--output=/some/file` is a revision, never an option of git's.
    return execFileSync('git', ['show', '--end-of-options', `${rev}:./${basename(path)}`], { cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
  } catch (e) {
    const stderr = String((e as { stderr?: Buffer }).stderr ?? '').trim().split('\n')[0] ?? '';
    throw new CliError(`${rev}:${path}: git could not read it${stderr ? ` (${stderr.replace(/^fatal: /, '')})` : ''}`);
  }
}

export async function loadSide(spec: string, timeoutMs: number): Promise<EncodedDag> {
  if (existsSync(spec)) {
    if (statOrUndefined(spec)?.isDirectory()) throw Object.assign(new CliError(`${spec}: is a folder (give a .dag file, a pipeline module, or REV:path)`), { exitCode: EXIT_NO_INPUT });
    if (isModulePath(spec)) return encodedOrThrow(await runModule({ path: spec }, { timeoutMs }), spec);
    return decodeDagFile(readInput(spec), spec);
  }
  const colon = spec.indexOf(':');
  if (colon > 0) {
    const rev = spec.slice(0, colon);
    const path = spec.slice(colon + 1);
    const bytes = readFromGit(rev, path);
    if (isModulePath(path)) {
      const source: ModuleSource = { path, contents: bytes.toString('utf8'), label: spec, revision: rev };
      return encodedOrThrow(await runModule(source, { timeoutMs }), spec);
    }
    return decodeDagFile(bytes, spec);
  }
  throw new CliError(`${spec}: no such file (give a .dag file, a pipeline module, or REV:path such as HEAD:pipelines/collage.dag)`);
}

