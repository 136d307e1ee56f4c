import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The seed's conformance vectors: `../shared/conformance` beside the checkout (where CI puts them), or
 * `ALAMODE_CONFORMANCE_DIR`.
 */
export const conformanceDir = process.env.ALAMODE_CONFORMANCE_DIR ?? resolve(repoRoot, '..', 'shared', 'conformance');
if (!existsSync(join(conformanceDir, 'collage.json'))) {
  throw new Error(`the seed's conformance vectors are not at ${conformanceDir}: check out shared/ beside this repository, or set ALAMODE_CONFORMANCE_DIR`);
}

export const fixturesDir = join(repoRoot, 'test', 'fixtures');

/** A scratch folder for one test file: `write` puts a file in it (making its folders) and returns its path. */
export interface ScratchFolder {
  readonly dir: string;
  write(file: string, text: string): string;
  remove(): void;
}

export function scratchFolder(prefix: string): ScratchFolder {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    write(file, text) {
      const path = join(dir, file);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      return path;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
