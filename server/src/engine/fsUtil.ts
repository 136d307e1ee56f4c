/**
 * The file-system steps of the commit protocol: durable atomic writes (temp + fsync + rename + fsync
 * of the folder), a digest of an output folder that also makes it durable, and deletion that first
 * renames a folder out of the way so a half-deleted folder is never mistaken for anything.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeFileSync, constants as fsConstants } from 'node:fs';
import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** fsync a folder, so a rename or a new entry in it survives a power cut. Some file systems refuse: ignored. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY);
    fsyncSync(fd);
  } catch {
    // EINVAL/EISDIR on file systems that cannot sync folders (some network ones): nothing more to do.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function randomSuffix(): string {
  return randomBytes(6).toString('hex');
}

/** Writes `data` to `path` atomically and durably: a temp file beside it, fsync, rename, fsync the folder. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.tmp-${randomSuffix()}`);
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(dir);
}

export interface TreeSummary {
  /** `sha256:<hex>` over the sorted listing: each entry's path, kind, and content hash (files) or target (links). */
  readonly digest: string;
  /** Bytes in regular files. */
  readonly size: number;
  /** Regular files. */
  readonly files: number;
}

const CHUNK = 1 << 20;

/**
 * Walks an output folder once: hashes every file (and fsyncs it), fsyncs every folder, and returns the
 * digest, size and file count. Reads are asynchronous so the process stays responsive (its lock
 * heartbeats keep beating) while a large output is hashed. The digest is this project's own
 * (`alamode-tree-1`): for each entry, in byte order of its `/`-separated path,
 * `F <path>\0<size>\0<sha256>\n` (files), `D <path>\n` (folders), `L <path>\0<target>\n` (symbolic
 * links, not followed); other kinds (sockets, devices, pipes) are refused.
 */
export async function summariseTree(root: string): Promise<TreeSummary> {
  const listing = createHash('sha256');
  listing.update('alamode-tree-1\n');
  let size = 0;
  let files = 0;
  const buffer = Buffer.allocUnsafe(CHUNK);
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const names = (await readdir(dir)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const name of names) {
      const path = join(dir, name);
      const rel = prefix ? `${prefix}/${name}` : name;
      const st = await lstat(path);
      if (st.isDirectory()) {
        listing.update(`D ${rel}\n`);
        await walk(path, rel);
      } else if (st.isFile()) {
        const handle = await open(path, 'r');
        const h = createHash('sha256');
        try {
          for (let n; (n = (await handle.read(buffer, 0, CHUNK, null)).bytesRead) > 0;) h.update(buffer.subarray(0, n));
          await handle.sync();
        } finally {
          await handle.close();
        }
        listing.update(`F ${rel}\0${st.size}\0${h.digest('hex')}\n`);
        size += st.size;
        files += 1;
      } else if (st.isSymbolicLink()) {
        listing.update(`L ${rel}\0${await readlink(path)}\n`);
      } else {
        throw new Error(`the output holds ${rel}, which is neither a file, a folder nor a symbolic link`);
      }
    }
    fsyncDir(dir);
  };
  await walk(root, '');
  return { digest: `sha256:${listing.digest('hex')}`, size, files };
}

/**
 * Deletes a file or folder tree: first renamed into `trash` (atomic, so nothing sees it half gone), then
 * removed. A missing path is fine.
 */
export function removeTree(path: string, trash: string): void {
  mkdirSync(trash, { recursive: true });
  const moved = join(trash, `${basename(path)}.${randomSuffix()}`);
  try {
    renameSync(path, moved);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  try {
    rmSync(moved, { recursive: true, force: true });
  } catch {
    // Out of the way already (an orphan still writing into it, say); opening the store empties trash/.
  }
}

/** Entries of a folder, or none when it does not exist. */
export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}
