/**
 * Code lenses: each task's output ID at its `dag.task(` call, or why it has none, and (when the
 * pipeline's store exists) what the store says about that ID: built, will run, failed, running. Tasks
 * made by one call in a loop or `map` each get their own lens there, named. A call in code the analysis
 * did not follow (a loop over a list it does not know) says why, rather than showing nothing.
 */
import type { CodeLens, Command, Range } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { tasksByCallSite, noOutputText, type DocumentModel, type TaskView } from '../../model/documentModel';
import { describeNoOutput } from '../../core/outputIds';
import type { SourceRange, UnfollowedTaskCall } from '../../analysis/types';
import { formatAgo, formatDuration } from '../../engine/describe';
import type { StoredStatus } from '../../engine/store';
import { CommandIds } from '../../protocol';
import { plural, shortId, toRange } from './convert';

/** What the store says about one output ID, as a lens says it: `✓ built 2 h ago (41 s)`, `will run`, … */
export function storeText(status: StoredStatus, now = Date.now()): string {
  switch (status.kind) {
    case 'built': return `✓ built ${formatAgo(status.record.end, now)} (${formatDuration(status.record.durationMs)})`;
    case 'running': return `⟳ running (started ${formatAgo(status.owner.since, now)})`;
    case 'failed': return `✗ ${status.failure.reason === 'interrupted' ? 'interrupted' : 'failed'} ${formatAgo(status.failure.end, now)}`;
    case 'never': return status.corrupt ? 'will run (a corrupt record is ignored)' : 'will run';
  }
}

/** The store's statuses by output ID, when the document's store exists. */
export type StatusOf = ((id: string) => StoredStatus) | undefined;

/** Whether a task lacks an output because something is not static (rather than because the pipeline is wrong). */
export function isUnknown(task: TaskView): boolean {
  const r = task.outcome.noOutput;
  return r !== undefined && (r.kind === 'unknown' || (r.kind === 'upstream' && r.rootReason.kind === 'unknown'));
}

/**
 * What a lens says before the store's word is put in (the store changes without the analysis, so a
 * lens remembered from an earlier analysis takes it from the store when shown: see `lensMemory.ts`):
 * the title without it, and, for a task with an output, the ID (the store's key, and what the copy
 * command copies), the task's name, and where in the title ` · <the store's word>` goes.
 */
export interface LensText {
  readonly title: string;
  readonly output?: { readonly id: string; readonly task: string; readonly statusAt: number };
}

function lensText(task: TaskView, named: boolean): LensText {
  const prefix = named ? `${task.analysed.name ?? task.name}: ` : '';
  const id = task.outcome.output;
  if (!id) return { title: `${prefix}${isUnknown(task) ? 'output unknown' : 'no output'}: ${noOutputText(task.outcome)}` };
  const head = `${prefix}output ${shortId(id)}`;
  const inputs = plural(new Set(task.analysed.deps.map((d) => d.name ?? d.range.start)).size, 'input');
  return { title: `${head} · ${inputs}`, output: { id, task: task.analysed.name ?? task.name, statusAt: head.length } };
}

/** The lens's title and command: its text with the store's word about its output, when there is a store. */
export function lensCommand(text: LensText, statusOf?: StatusOf): Command {
  const { title, output } = text;
  // No command without an output: the lens is a label that says why there is none.
  if (!output) return { title, command: '' };
  const titled = statusOf ? `${title.slice(0, output.statusAt)} · ${storeText(statusOf(output.id))}${title.slice(output.statusAt)}` : title;
  return { title: titled, command: CommandIds.copyOutputId, arguments: [output.id, output.task] };
}

/** One lens: a task at its call site, named when the call makes several; or a call not followed. */
type LensEntry =
  | {
    readonly task: TaskView;
    readonly named: boolean;
    /** The first lens of its call: the ones after it share its range. */
    readonly firstOfCall: boolean;
  }
  | { readonly task?: undefined; readonly unfollowed: UnfollowedTaskCall; readonly firstOfCall: true };

const entryRange = (entry: LensEntry): SourceRange => (entry.task ? entry.task.analysed.calleeRange : entry.unfollowed.calleeRange);

/** Each model's lenses in order, made once: a resolve finds its lens by index without regrouping the tasks. */
const entriesOf = new WeakMap<DocumentModel, readonly LensEntry[]>();

function lensEntries(model: DocumentModel): readonly LensEntry[] {
  let entries = entriesOf.get(model);
  if (!entries) {
    const list: LensEntry[] = [];
    for (const group of tasksByCallSite(model)) group.forEach((task, i) => list.push({ task, named: group.length > 1, firstOfCall: i === 0 }));
    for (const unfollowed of model.analysis.unfollowedTaskCalls) list.push({ unfollowed, firstOfCall: true });
    entriesOf.set(model, (entries = list));
  }
  return entries;
}

/** What a `dag.task(` call the analysis did not follow says: `output unknown: not static: <why>`. */
export function unfollowedText(call: UnfollowedTaskCall): string {
  return `output unknown: ${describeNoOutput({ kind: 'unknown', why: call.why.why })}`;
}

function textOf(entry: LensEntry): LensText {
  return entry.task ? lensText(entry.task, entry.named) : { title: unfollowedText(entry.unfollowed) };
}

/**
 * What an unresolved lens carries back in `codeLens/resolve`: which analysis it was listed from (a
 * number the server gives each model, so each document text) and which lens of it. A resolve answers
 * only from that very analysis, so a title never comes from another version than the list's. Two
 * numbers, not the document's URI and version: the list is sent on every keystroke, 3,001 times over.
 */
export type LensData = readonly [model: number, index: number];

export function isLensData(data: unknown): data is LensData {
  return Array.isArray(data) && data.length === 2 && Number.isSafeInteger(data[0]) && Number.isSafeInteger(data[1]);
}

/**
 * The document's lenses. With `lazy` (a client that resolves the lenses it shows, as VS Code does) the
 * list carries no titles, only `data` to resolve each by (see {@link resolveLens}): on 3,001 tasks the
 * titled list is ~760 KB of JSON per keystroke, most of it for lenses off screen.
 */
export function codeLenses(model: DocumentModel, document: TextDocument, statusOf?: StatusOf, lazy?: { readonly model: number }): CodeLens[] {
  return withRanges(model, document, (entry, range, index) =>
    lazy ? { range, data: [lazy.model, index] satisfies LensData } : { range, command: lensCommand(textOf(entry), statusOf) });
}

/** Each lens entry of the model with its range, made into what `make` makes. */
function withRanges<T>(model: DocumentModel, document: TextDocument, make: (entry: LensEntry, range: Range, index: number) => T): T[] {
  let range: Range | undefined;
  return lensEntries(model).map((entry, index) => {
    // Tasks of one call share its range (one position lookup per call site, not per task).
    if (entry.firstOfCall || !range) range = toRange(document, entryRange(entry));
    return make(entry, range, index);
  });
}

/** The title and command of the `index`th lens of `model`'s list; undefined when there is no such lens. */
export function resolveLens(model: DocumentModel, lens: CodeLens, index: number, statusOf?: StatusOf): CodeLens | undefined {
  const entry = lensEntries(model)[index];
  return entry && { ...lens, command: lensCommand(textOf(entry), statusOf) };
}

/** Every lens of the model with its text before the store's word (what `lensMemory.ts` keeps). */
export function lensTexts(model: DocumentModel, document: TextDocument): { range: Range; text: LensText }[] {
  return withRanges(model, document, (entry, range) => ({ range, text: textOf(entry) }));
}
