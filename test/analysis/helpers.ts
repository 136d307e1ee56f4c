/** Small helpers for the analysis tests: analysing snippets, reading ranges back as source text. */
import { analyseModule, type AnalyseOptions } from '../../server/src/analysis/analyse';
import { toDagDefinition } from '../../server/src/analysis/definition';
import { UnknownValue, type AnalysedDag, type AnalysedTask, type ModuleAnalysis, type SourceRange } from '../../server/src/analysis/types';
import { encodeDag, type TaskOutcome } from '../../server/src/core/outputIds';

export const IMPORT = "import { Dag } from 'a-la-mode';\n";

let counter = 0;

/** Analyses `code` (the `Dag` import prepended unless `bare`), from scratch. */
export function analyse(code: string, options: AnalyseOptions & { bare?: boolean } = {}): { text: string; analysis: ModuleAnalysis; at: (r: SourceRange | undefined) => string | undefined } {
  const text = options.bare ? code : IMPORT + code;
  const analysis = analyseModule(text, `snippet-${counter++}.alamode.ts`, { ...options, fresh: true });
  return { text, analysis, at: (r) => (r ? text.slice(r.start, r.end) : undefined) };
}

export function onlyDag(analysis: ModuleAnalysis): AnalysedDag {
  if (analysis.dags.length !== 1) throw new Error(`expected one Dag, got ${analysis.dags.length}`);
  return analysis.dags[0]!;
}

export function task(dag: AnalysedDag, name: string): AnalysedTask {
  const t = dag.tasks.find((x) => x.name === name);
  if (!t) throw new Error(`no task '${name}' (tasks: ${dag.tasks.map((x) => x.name ?? '?').join(', ')})`);
  return t;
}

/** Each task's outcome through the core, as the server computes it. */
export function outcomes(dag: AnalysedDag): Map<string, TaskOutcome> {
  const definition = toDagDefinition(dag);
  const encoding = encodeDag(definition);
  return new Map(definition.tasks.map((t, i) => [t.name, encoding.outcomes[i]!]));
}

/** The spec with every UnknownValue shown as `<?why>` (for compact assertions). */
export function shown(value: unknown): unknown {
  if (value instanceof UnknownValue) return `<?${value.why}>`;
  if (Array.isArray(value)) return value.map(shown);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shown(v)]));
  return value;
}

/** Every UnknownValue in a value. */
export function unknownsIn(value: unknown, out: UnknownValue[] = []): UnknownValue[] {
  if (value instanceof UnknownValue) out.push(value);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) unknownsIn(v, out);
  return out;
}
