import { existsSync } from 'node:fs';
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
