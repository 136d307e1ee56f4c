/**
 * Files as the CLI reads and writes them: `.dag` files are replaced atomically, and every ordinary
 * I/O failure (a missing folder, a read-only one, a full disk, a folder where a file was expected)
 * becomes one line and an exit code of its own, never "internal error".
 */
import { closeSync, constants, fchmodSync, fsyncSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CliError } from './loadModule';

/** sysexits.h: an input file did not exist or was not readable. */
export const EXIT_NO_INPUT = 66;
/** sysexits.h: an output file could not be created. */
export const EXIT_CANT_CREATE = 73;
/** sysexits.h: an error while writing (a full disk, a file size limit). */
export const EXIT_IO = 74;

/** The phrase libuv gives an errno (`EACCES: permission denied, open '/x'` → `permission denied`). */
function describeErrno(e: NodeJS.ErrnoException): string {
  const m = /^E[A-Z0-9]+: ([^,]+)/.exec(e.message);
  return m ? m[1]! : e.message;
}

export function isErrno(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

/** An absolute path under the working folder as a relative one, as the user would write it. */
function shown(path: string): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** One line for a failed read of `path`, exit {@link EXIT_NO_INPUT}. */
export function readFailure(path: string, e: NodeJS.ErrnoException): CliError {
  const why = e.code === 'EISDIR' ? 'is a folder, not a file' : e.code === 'ENOENT' ? 'no such file' : describeErrno(e);
  return Object.assign(new CliError(`${path}: cannot read it: ${why}`), { exitCode: EXIT_NO_INPUT });
}

/** One line for a failed write of `path`: {@link EXIT_CANT_CREATE} when it could not be created, else {@link EXIT_IO}. */
export function writeFailure(path: string, e: NodeJS.ErrnoException): CliError {
  path = shown(path);
  const folder = dirname(path);
  const why =
    e.code === 'ENOENT' ? `the folder ${folder} does not exist`
    : e.code === 'ENOTDIR' ? `${folder} is not a folder`
    : e.code === 'EISDIR' ? 'it is a folder'
    : e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS' ? `${describeErrno(e)} (in ${folder})`
    : describeErrno(e);
  const cantCreate = ['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'EROFS', 'EEXIST', 'ENAMETOOLONG', 'ELOOP'].includes(e.code ?? '');
  return Object.assign(new CliError(`cannot write ${path}: ${why}; ${cantCreate ? 'nothing was written' : 'the previous file, if any, is left as it was'}`), { exitCode: cantCreate ? EXIT_CANT_CREATE : EXIT_IO });
}

/** `stat`, or undefined when nothing is there. */
export function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** True when both paths name the same existing file (through symlinks, hard links, `..`, letter case). */
export function sameFile(a: string, b: string): boolean {
  const sa = statOrUndefined(a);
  const sb = statOrUndefined(b);
  return sa !== undefined && sb !== undefined && sa.dev === sb.dev && sa.ino === sb.ino;
}

/** Writes every byte (a single `write` may write fewer than asked: a file size limit, a signal). */
function writeAll(fd: number, bytes: Uint8Array, seekable = true): void {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at, seekable ? at : null);
}

/**
 * Replaces `path` with `bytes` atomically: written to a temporary file beside it, flushed to disk,
 * renamed over it, and the folder flushed too, so a failure or a kill at any point leaves either the
 * old file or the new one, never a truncated mix. (Hand-written: `write-file-atomic` ignores short
 * writes, so under a file size limit it renames a truncated file over the old one.) The new file
 * keeps the old one's permissions; a symlink is followed. A target that exists and is not a regular file (`/dev/stdout`, a
 * pipe) is written in place: it cannot be replaced.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  // Through a symlink, the file it points to is replaced (the link stays a link).
  let target = resolve(path);
  try {
    target = realpathSync(target);
  } catch {
    // Not there yet.
  }
  const existing = statOrUndefined(target);
  if (existing?.isDirectory()) throw writeFailure(path, Object.assign(new Error('EISDIR: illegal operation on a directory'), { code: 'EISDIR', syscall: 'open' }));
  try {
    if (existing && !existing.isFile()) {
      const fd = openSync(target, 'w');
      try {
        writeAll(fd, bytes, false);
      } finally {
        closeSync(fd);
      }
      return;
    }
    const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
    // `wx`: never follow or reuse a file someone put there.
    const fd = openSync(temp, 'wx', existing ? existing.mode & 0o7777 : 0o666);
    let renamed = false;
    try {
      try {
        if (existing) fchmodSync(fd, existing.mode & 0o7777); // the umask applied at open; keep the old mode exactly
        writeAll(fd, bytes);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, target);
      renamed = true;
    } finally {
      if (!renamed) {
        try {
          unlinkSync(temp);
        } catch {
          // Already gone; nothing else to undo.
        }
      }
    }
    syncFolder(dirname(target));
  } catch (e) {
    if (isErrno(e)) throw writeFailure(path, e);
    throw e;
  }
}

/** Flushes a folder's entries (the rename) to disk; not possible on every platform or file system. */
function syncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, constants.O_RDONLY);
    fsyncSync(fd);
  } catch {
    // Windows cannot open a folder; some file systems refuse fsync on one (EINVAL). The file itself is synced.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
