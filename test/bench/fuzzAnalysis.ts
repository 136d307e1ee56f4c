/**
 * `npm run fuzz:analysis -- [runs] [seed]`: analyses many random edits of the fixtures (as typing
 * makes them) and prints every one that hits an internal error or takes longer than a keystroke
 * should (700 ms: the analysis's own deadline is 1 s), with the fixture and edits that reproduce it.
 * The test suite runs a few hundred such edits; this runs as many as you have time for.
 */
import fc from 'fast-check';
import { analyseModule } from '../../server/src/analysis/analyse';
import { applyEdits, editedFixtureArbitrary, fixtures } from '../analysis/randomEdits';

const runs = Number(process.argv[2] ?? 10_000);
const seed = Number(process.argv[3] ?? Date.now() % 2 ** 31);
const SLOW_MS = 700;

console.log(`fuzzing the analysis: ${runs} random edits, seed ${seed}`);
let slowest = 0;
let found = 0;
for (const [which, edits] of fc.sample(editedFixtureArbitrary, { numRuns: runs, seed })) {
  const text = applyEdits(which, edits);
  let internal: unknown;
  const t0 = performance.now();
  analyseModule(text, 'fuzz.alamode.ts', { fresh: true, onInternalError: (e) => { internal = e; } });
  const ms = performance.now() - t0;
  slowest = Math.max(slowest, ms);
  if (internal === undefined && ms < SLOW_MS) continue;
  found++;
  const what = internal !== undefined ? `internal error: ${internal instanceof Error ? internal.stack : String(internal)}` : `${ms.toFixed(0)} ms`;
  console.log(`\n${what}\n  fixture ${fixtures[which]!.path}\n  edits ${JSON.stringify(edits)}`);
}
console.log(`\n${found} finding(s); slowest analysis ${slowest.toFixed(0)} ms`);
process.exitCode = found > 0 ? 1 : 0;
