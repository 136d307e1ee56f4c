/**
 * Document models rendered for comparison: an incremental model (the previous tree reused, specs
 * shared, output IDs memoised, edits inside spec strings applied without a new analysis) must render
 * exactly as a model built from scratch for the same text.
 */
import assert from 'node:assert/strict';
import { forgetModule } from '../../server/src/analysis/analyse';
import { knownProblems, toDagDefinition } from '../../server/src/analysis/definition';
import { DEFAULT_LIMITS } from '../../server/src/analysis/budget';
import { UnknownValue } from '../../server/src/analysis/types';
import { encodeDag } from '../../server/src/core/outputIds';
import { buildDocumentModel, type DocumentModel } from '../../server/src/model/documentModel';

/**
 * Compares renderings of an incremental and a fresh result, pair by pair. Where the clock stops an
 * evaluation depends on the machine's load, so a pair in which either analysis ran into its 1 s
 * deadline (`Budget`; a half-typed loop can) is not comparable and is skipped; {@link assertFewSkipped}
 * then checks such pairs stayed few, so that the test keeps its meaning.
 */
export class ScratchComparison {
  private compared = 0;
  private skipped = 0;

  assertEqual(incremental: string, fromScratch: string): void {
    const reason = `it takes more than ${DEFAULT_LIMITS.deadlineMs} ms to evaluate`;
    if (incremental.includes(reason) || fromScratch.includes(reason)) {
      this.skipped++;
      return;
    }
    this.compared++;
    assert.equal(incremental, fromScratch);
  }

  assertFewSkipped(): void {
    assert.ok(this.skipped <= this.compared / 4, `${this.skipped} analyses stopped by the deadline, ${this.compared} compared`);
  }
}

/**
 * A stable rendering: Maps and Sets as entries, unknowns by reason and place, bigints as text, and a
 * value that contains itself (a spec can) marked where it comes back.
 */
export function render(value: unknown): string {
  const active = new Set<object>();
  const plain = (v: unknown): unknown => {
    if (typeof v === 'bigint') return `${v}n`;
    if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
    if (typeof v === 'function') return '<function>';
    if (typeof v !== 'object' || v === null) return v;
    if (active.has(v)) return '<cycle>';
    active.add(v);
    try {
      if (v instanceof UnknownValue) return { why: v.why, range: v.range, origin: v.origin };
      if (v instanceof Map) return [...v.entries()].map(plain);
      if (v instanceof Set) return [...v.values()].map(plain);
      if (Array.isArray(v)) return Array.from(v, plain);
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
    } finally {
      active.delete(v);
    }
  };
  return JSON.stringify(plain(value));
}

/** Everything a model says, and, for reference, the same computed from a fresh analysis with no memo. */
export function describeModel(model: DocumentModel): string {
  // `hasSyntaxErrors` is left out: it is the parser's diagnostics, which TypeScript's incremental parse
  // does not always report as a fresh parse does (the analysis reads the tree, never them; nothing in
  // the server reads the flag).
  const { hasSyntaxErrors: _, ...analysis } = model.analysis;
  return render({
    analysis,
    dags: model.dags.map((d) => ({ outcomes: d.encoding.outcomes, problems: d.encoding.problems, encoded: d.encoding.encoded, definition: d.definition })),
    diagnostics: model.diagnostics,
  });
}

export function fromScratch(text: string): string {
  const fileName = `scratch-${Math.random()}.alamode.ts`;
  const model = buildDocumentModel(text, fileName, { fresh: true });
  forgetModule(fileName);
  // The core's own answer for the fresh analysis, without the memo the model uses.
  for (const dag of model.dags) {
    const plain = encodeDag(toDagDefinition(dag.analysed));
    assert.equal(render(dag.encoding.outcomes), render(plain.outcomes));
    assert.equal(render(knownProblems(dag.analysed, dag.encoding.problems)), render(knownProblems(dag.analysed, plain.problems)));
  }
  return describeModel(model);
}

