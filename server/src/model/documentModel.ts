/**
 * One analysed version of a pipeline document: the static analysis joined with the core's output IDs
 * and problems, with every problem placed on a source range. Every editor feature (lenses, hovers,
 * diagnostics, navigation, the side panel) reads this; nothing here knows about the LSP.
 */
import { analyseModule, inExportedCodeOf, nestedNameLiteralsOf, stringEditOf, taskNameLiteralsOf, taskStubPlaceOf, type AnalyseOptions } from '../analysis/analyse';
import type { StubPlace } from '../analysis/stubPlace';
import type { NameLiteral } from '../analysis/nameLiterals';
import { definitionAfterSpecChange, knownProblems, toDagDefinition, type AnalysedDagDefinition } from '../analysis/definition';
import { COMMITTED_SUFFIX, type AnalysedDag, type AnalysedDep, type AnalysedTask, type ModuleAnalysis, type SourceRange, type TaskReference } from '../analysis/types';
import { describeNoOutput, encodeDag, encodeDagAfterSpecChange, OutputMemo, type DagEncoding, type TaskOutcome } from '../core/outputIds';
import type { Problem, ProblemCode } from '../core/problems';

export type DiagnosticCode = ProblemCode | 'not-static' | 'analysis-limit';

export interface ModelDiagnostic {
  readonly code: DiagnosticCode;
  readonly severity: 'error' | 'warning';
  readonly range: SourceRange;
  readonly message: string;
  /**
   * Other places that belong to the same problem (the other edges of a cycle, the first definition of a
   * duplicate, where in an imported module the cause is: those ranges have a `file`).
   */
  readonly related: readonly { readonly range: SourceRange; readonly message: string }[];
  /** Data for quick fixes. */
  readonly data?: QuickFixData;
}

export type QuickFixData =
  | { readonly fix: 'create-task'; readonly task: string; readonly input: string; readonly dag: number; readonly suggestion?: string }
  | { readonly fix: 'remove-edge'; readonly task: string; readonly input: string; readonly dag: number; readonly closesCycle: boolean };

export interface TaskView {
  readonly dag: number;
  readonly analysed: AnalysedTask;
  /** The name as the core knows it (a placeholder when the name is not static). */
  readonly name: string;
  readonly outcome: TaskOutcome;
}

/**
 * A task whose outcome is computed when first read: the lenses on screen, a hover or the panel read
 * theirs, and an encoding computes an output with only those upstream of it (see {@link DagEncoding}).
 * On opening a 3,001-task module, the lenses at its top no longer wait for every output.
 */
class LazyTaskView implements TaskView {
  readonly #encoding: DagEncoding;
  readonly #definition: number;

  constructor(readonly dag: number, readonly analysed: AnalysedTask, readonly name: string, encoding: DagEncoding, definition: number) {
    this.#encoding = encoding;
    this.#definition = definition;
  }

  get outcome(): TaskOutcome {
    return this.#encoding.outcomeAt(this.#definition);
  }
}

export interface DagView {
  readonly index: number;
  readonly analysed: AnalysedDag;
  /** What the core is given; `metaUnknown` says the meta holds a placeholder for something not static. */
  readonly definition: AnalysedDagDefinition;
  readonly encoding: DagEncoding;
  /** Aligned with `analysed.tasks`. */
  readonly tasks: readonly TaskView[];
}

export interface DocumentModel {
  readonly text: string;
  /** The analyser's name for the module (its parse cache key). */
  readonly fileName: string;
  readonly analysis: ModuleAnalysis;
  readonly dags: readonly DagView[];
  readonly diagnostics: readonly ModelDiagnostic[];
}

/** A phrase for a task without an output: "not static: …", "in a cycle: …", "upstream …". */
export function noOutputText(outcome: TaskOutcome): string {
  return outcome.noOutput ? describeNoOutput(outcome.noOutput) : '';
}

/** Where in an imported module a problem's cause is, beside its place in this one. */
const elsewhere = (range: SourceRange | undefined, message: string) => (range ? [{ range, message }] : []);

/**
 * Where one edge of a cycle shows. An `addDep` argument that ran once is the edge itself, and removing
 * it from the source removes just that edge. One that ran for several edges (in a helper, a loop) is
 * shared: the edge shows on the innermost call that led to it and to no other edge (`link(b, a)`), or,
 * when there is none, on the shared argument, and no fix rewrites code that other edges need.
 */
interface EdgePlace {
  readonly range: SourceRange;
  /** True when `range` is the `addDep` argument that made this edge alone. */
  readonly isOwnArgument: boolean;
}

/** How many edges each place made: an `addDep` argument (by call and position) or a call that led to one. */
class EdgeSites {
  private counts: Map<string, number> | undefined;

  constructor(private readonly dags: readonly DagView[]) {}

  place(dep: AnalysedDep): EdgePlace {
    const counts = (this.counts ??= this.count());
    const keys = EdgeSites.keysOf(dep);
    if (counts.get(keys[0]!) === 1 && !dep.madeAt && !dep.spread) return { range: dep.range, isOwnArgument: true };
    const call = dep.via?.find((r) => counts.get(EdgeSites.callKey(r)) === 1);
    return { range: call ?? dep.range, isOwnArgument: false };
  }

  private count(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const dag of this.dags) {
      for (const task of dag.analysed.tasks) {
        for (const dep of task.deps) for (const key of EdgeSites.keysOf(dep)) counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    return counts;
  }

  /** The argument's key first, then each call that led to it once (recursion lists a call again). */
  private static keysOf(dep: AnalysedDep): string[] {
    const keys = [`${dep.callRange.start}:${dep.callRange.end}#${dep.argumentIndex}`];
    for (const r of dep.via ?? []) {
      const key = EdgeSites.callKey(r);
      if (!keys.includes(key)) keys.push(key);
    }
    return keys;
  }

  private static callKey(r: SourceRange): string {
    return `${r.start}:${r.end}`;
  }
}

function placeProblem(dag: DagView, problem: Problem, edgeSites: EdgeSites): ModelDiagnostic[] {
  const tasks = dag.analysed.tasks;
  const taskNamed = (name: string) => tasks.find((t) => t.name === name);
  const depOf = (task: string, input: string) => taskNamed(task)?.deps.find((d) => d.name === input);
  switch (problem.code) {
    case 'cycle': {
      const edges = problem.edges.map((edge) => {
        const dep = depOf(edge.task, edge.input);
        return { edge, dep, place: dep && edgeSites.place(dep) };
      });
      // The edge added last in the source is the one that "closes" the cycle: the natural one to remove.
      const last = edges.reduce<number>((best, e, i) => (e.place && (best < 0 || e.place.range.start > edges[best]!.place!.range.start) ? i : best), -1);
      return edges.flatMap(({ edge, dep, place }, i) => {
        if (!dep || !place) return [];
        const addedHere = `${edge.input} → ${edge.task} is added here`;
        return [{
          code: 'cycle' as const,
          severity: 'error' as const,
          range: place.range,
          message: problem.message,
          related: [
            ...edges.filter((_, j) => j !== i && edges[j]!.place).map((o) => ({ range: o.place!.range, message: `${o.edge.input} → ${o.edge.task}` })),
            ...(place.range !== dep.range && !dep.madeAt ? [{ range: dep.range, message: addedHere }] : []),
            ...elsewhere(dep.madeAt, addedHere),
          ],
          ...(place.isOwnArgument ? { data: { fix: 'remove-edge' as const, task: edge.task, input: edge.input, dag: dag.index, closesCycle: i === last } } : {}),
        }];
      });
    }
    case 'missing-input': {
      const dep = depOf(problem.task, problem.input);
      const range = dep?.nameLiteralRange ?? dep?.range ?? taskNamed(problem.task)?.callRange;
      if (!range) return [];
      return [{
        code: 'missing-input', severity: 'error', range, message: problem.message, related: elsewhere(dep?.madeAt, `the input '${problem.input}' is named here`),
        data: { fix: 'create-task', task: problem.task, input: problem.input, dag: dag.index, ...(problem.suggestion ? { suggestion: problem.suggestion } : {}) },
      }];
    }
    case 'duplicate-task': {
      const [first, ...rest] = problem.definitions.map((i) => tasks[i]).filter((t): t is AnalysedTask => t !== undefined);
      if (!first) return [];
      return rest.map((t) => ({
        code: 'duplicate-task' as const, severity: 'error' as const, range: t.nameRange, message: problem.message,
        related: [{ range: first.nameRange, message: `'${problem.task}' is first defined here` }, ...elsewhere(t.madeAt, 'the task is made here'), ...elsewhere(first.madeAt, `'${problem.task}' is first made here`)],
      }));
    }
    case 'invalid-value': {
      if (problem.definition === undefined) {
        const key = JSON.stringify(problem.path);
        const range = dag.analysed.metaValueRanges.get(key) ?? dag.analysed.metaRange ?? dag.analysed.range;
        return [{ code: 'invalid-value', severity: 'error', range, message: problem.message, related: elsewhere(dag.analysed.metaValueOrigins?.get(key) ?? dag.analysed.madeAt, 'the value is written here') }];
      }
      const t = tasks[problem.definition];
      if (!t) return [];
      const key = JSON.stringify(problem.path);
      const range = t.valueRanges.get(key) ?? t.specRange;
      return [{ code: 'invalid-value', severity: 'error', range, message: problem.message, related: elsewhere(t.valueOrigins?.get(key) ?? t.madeAt, 'the value is written here') }];
    }
    case 'reserved-key': {
      const t = tasks[problem.definition];
      if (!t) return [];
      const key = JSON.stringify([problem.key]);
      const range = t.valueRanges.get(key) ?? t.specRange;
      return [{ code: 'reserved-key', severity: 'error', range, message: problem.message, related: elsewhere(t.valueOrigins?.get(key) ?? t.madeAt, 'the field is written here') }];
    }
  }
}

/** Identical diagnostics (tasks made in a loop share their source) are shown once. */
function dedupe(diagnostics: ModelDiagnostic[]): ModelDiagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.range.start}:${d.range.end}:${d.code}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The analysis cache key for a document's committed version (the diff's base), kept apart from the
 * document's own key so that analysing the base never replaces the tree the next keystroke reuses.
 */
export function committedVersionName(fileName: string): string {
  return `${fileName}${COMMITTED_SUFFIX}`;
}

/**
 * Output IDs already computed, by spec object: the analysis shares an unchanged spec between versions
 * of a module (and freezes it), so a new version hashes only the tasks whose spec or inputs changed.
 */
const outputMemo = new OutputMemo();

/**
 * Analyses one version of a document. Pass a stable `fileName` per document: the analysis reuses the
 * previous version's syntax tree for an edit (see `forgetModule` when the document closes).
 */
export function buildDocumentModel(text: string, fileName = 'pipeline.alamode.ts', options: AnalyseOptions = {}): DocumentModel {
  const analysis = analyseModule(text, fileName, options);
  // A keystroke inside a spec string changed one spec of the last model's analysis: the rest of what
  // that model computed holds (see `encodeDagAfterSpecChange`).
  const edit = stringEditOf(fileName, analysis);
  const before = edit && modelOf.get(edit.before);
  const dags: DagView[] = analysis.dags.map((analysed, index) => {
    const prior = before?.dags[index];
    let definition: AnalysedDagDefinition;
    let encoding: DagEncoding;
    if (!prior) {
      definition = toDagDefinition(analysed);
      encoding = encodeDag(definition, { memo: outputMemo, lazy: true });
    } else if (index !== edit!.dag) {
      ({ definition, encoding } = prior);
    } else {
      definition = definitionAfterSpecChange(prior.definition, analysed, edit!.task);
      encoding = encodeDagAfterSpecChange(prior.encoding, definition, edit!.task, { memo: outputMemo, lazy: true });
    }
    const tasks = analysed.tasks.map((t, i) => new LazyTaskView(index, t, definition.tasks[i]!.name, encoding, i));
    return { index, analysed, definition, encoding, tasks };
  });
  const diagnostics: ModelDiagnostic[] = [];
  for (const d of analysis.diagnostics) diagnostics.push({ code: d.code, severity: 'warning', range: d.range, message: d.message, related: elsewhere(d.origin, 'in the module it comes from') });
  // Only problems known to hold at run time are errors (see `knownProblems`).
  const edgeSites = new EdgeSites(dags);
  for (const dag of dags) {
    // The runtime throws on a Dag's problems only when it is encoded: by the CLI (the default export)
    // or by the module itself. Another Dag's problems make nothing fail yet.
    const fails = dag.analysed.isDefaultExport || dag.analysed.encodedByModule === true;
    for (const p of knownProblems(dag.analysed, dag.encoding.problems)) {
      for (const d of placeProblem(dag, p, edgeSites)) diagnostics.push(fails ? d : { ...d, severity: 'warning', message: `${d.message} (a warning: the module neither exports this Dag by default nor encodes it, so nothing fails yet)` });
    }
  }
  const model = { text, fileName, analysis, dags, diagnostics: dedupe(diagnostics) };
  modelOf.set(analysis, model);
  return model;
}

/**
 * The model built from each analysis, for the keystroke after it: kept as long as the analysis is
 * (the analysis cache holds the one an edit in a string was applied to, and forgets it with the file).
 */
const modelOf = new WeakMap<ModuleAnalysis, DocumentModel>();

// ---- Lookups used by the editor features -------------------------------------------------------

const contains = (r: SourceRange, offset: number) => r.start <= offset && offset <= r.end;

/** The task reference (name literal, variable) at an offset, if any: one the analysis ran, else a name literal in code it did not run. */
export function referenceAt(model: DocumentModel, offset: number): TaskReference | undefined {
  let best: TaskReference | undefined;
  for (const ref of model.analysis.references) {
    // A reference in a helper module (`file` set) has offsets into that module, not this one.
    if (ref.range.file === undefined && contains(ref.range, offset) && (!best || ref.range.end - ref.range.start < best.range.end - best.range.start)) best = ref;
  }
  return best ?? unrunReferences(model).find((r) => contains(r.range, offset));
}

/** Per model (so per document text): hovers ask on every mouse move. */
const unrunCache = new WeakMap<DocumentModel, readonly TaskReference[]>();

/**
 * Name literals in DSL calls the analysis did not run (a helper defined here, called from another
 * module), as references: only when the module makes a single Dag, so a name can mean one task only.
 */
function unrunReferences(model: DocumentModel): readonly TaskReference[] {
  let refs = unrunCache.get(model);
  if (!refs) {
    // Calls that ran are the evaluator's to describe (a `Map#get('x')` that ran is not a task reference).
    const ran = model.analysis.runCalls;
    refs = model.dags.length !== 1
      ? []
      : taskNameLiteralsOf(model.text, model.fileName)
          .filter((l) => !ran.has(l.callPos))
          .map((l): TaskReference => ({ dag: 0, task: l.name, range: l.range, kind: l.kind }));
    unrunCache.set(model, refs);
  }
  return refs;
}

/** The tasks defined by the `dag.task(...)` call whose callee (`task`) or name argument is at the offset. */
export function tasksAtCall(model: DocumentModel, offset: number): TaskView[] {
  for (const dag of model.dags) {
    const hits = dag.tasks.filter((t) => contains(t.analysed.calleeRange, offset) || contains(t.analysed.nameRange, offset));
    if (hits.length > 0) return hits;
  }
  return [];
}

/**
 * Every reference to the task `ref` names: those the analysis saw run, and, when the module makes a
 * single Dag (so a name can only mean one of its tasks), the name literals in DSL calls it did not run
 * (a helper defined here and called from another module). Rename and find-references use this, so
 * that a rename leaves no stale name behind.
 */
export function referencesTo(model: DocumentModel, ref: TaskReference): TaskReference[] {
  const same = (r: TaskReference) => r.dag === ref.dag && r.task === ref.task;
  // One per place: a rename must never get two edits for one literal.
  const byPlace = new Map<string, TaskReference>();
  for (const r of [...model.analysis.references.filter(same), ...unrunReferences(model).filter(same)]) {
    const place = `${r.range.file ?? ''}:${r.range.start}`;
    if (!byPlace.has(place)) byPlace.set(place, r);
  }
  // This module's references first, in source order, then each helper's.
  return [...byPlace.values()].sort((a, b) => (a.range.file ?? '').localeCompare(b.range.file ?? '') || a.range.start - b.range.start);
}

/**
 * Where a task name can be completed at `offset`: a name literal in `addDep('…')` or `get('…')` the
 * analysis ran, or, when the module makes a single Dag, one in code it did not run.
 */
export function completionSiteAt(model: DocumentModel, offset: number): { dag: number; range: SourceRange } | undefined {
  const site = model.analysis.completionSites.find((s) => contains(s.range, offset));
  if (site || model.dags.length !== 1) return site;
  let literals = completionLiteralsCache.get(model);
  if (!literals) {
    const ran = model.analysis.runCalls;
    literals = taskNameLiteralsOf(model.text, model.fileName, true).filter((l) => l.kind === 'string' && !ran.has(l.callPos));
    completionLiteralsCache.set(model, literals);
  }
  const literal = literals.find((l) => contains(l.range, offset));
  return literal && { dag: 0, range: literal.range };
}

const completionLiteralsCache = new WeakMap<DocumentModel, readonly NameLiteral[]>();

/**
 * Where a quick fix can create the task `dep` names but no task has (see `stubPlace.ts`): only for a
 * Dag this module creates and binds to a variable, which the stub then calls.
 */
export function taskStubPlaceFor(model: DocumentModel, dag: DagView, dep: AnalysedDep): StubPlace | undefined {
  if (dag.analysed.madeAt || !dag.analysed.variable) return undefined;
  return taskStubPlaceOf(model.text, model.fileName, dag.analysed.range, dag.analysed.variable, [dep.callRange, ...(dep.via ?? [])]);
}

/**
 * Places in this module where a DSL call's argument holds `name` as a literal inside a larger
 * expression (`addDep(process.env.DEP ?? 'a')`): the evaluator cannot say which task such an argument
 * names, so these are not references, and a rename must not leave them behind.
 */
export function nestedNameUses(model: DocumentModel, name: string): readonly SourceRange[] {
  // Innermost first: `dag.get(c ? 'a' : 'b')` inside `addDep(…)` is the argument to show.
  return nestedNameLiteralsOf(model.text, model.fileName).filter((l) => l.name === name).map((l) => l.argument).sort((a, b) => a.end - a.start - (b.end - b.start));
}

/**
 * Whether removing `dep`'s `addDep` argument from the source removes that edge alone: not when other
 * modules may call the function it is in (an exported helper), whose edges this analysis does not see.
 */
export function edgeRemovableHere(model: DocumentModel, dep: AnalysedDep): boolean {
  return !dep.madeAt && !inExportedCodeOf(model.text, model.fileName, dep.callRange);
}

/** The task named `name` in a DAG (its first definition). */
export function taskNamed(model: DocumentModel, dag: number, name: string): TaskView | undefined {
  return model.dags[dag]?.tasks.find((t) => t.analysed.name === name);
}

/** Every task at the same `dag.task(...)` call site, grouped in source order (loops make several). */
export function tasksByCallSite(model: DocumentModel): TaskView[][] {
  const groups = new Map<string, TaskView[]>();
  for (const dag of model.dags) {
    // Another pipeline this module only imports: its tasks show in their own module.
    if (dag.analysed.fromImportsOnly) continue;
    for (const t of dag.tasks) {
      const key = `${t.analysed.callRange.start}:${t.analysed.callRange.end}`;
      const group = groups.get(key);
      if (group) group.push(t);
      else groups.set(key, [t]);
    }
  }
  return [...groups.values()].sort((a, b) => a[0]!.analysed.callRange.start - b[0]!.analysed.callRange.start);
}
