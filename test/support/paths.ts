import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** `../shared/conformance` beside the checkout (the seed's vectors). */
export const conformanceDir = resolve(repoRoot, '..', 'shared', 'conformance');
export const fixturesDir = join(repoRoot, 'test', 'fixtures');
