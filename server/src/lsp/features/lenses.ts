/**
 * Code lenses: each task's output ID at its `dag.task(` call, or why it has none, and (when the
 * pipeline's store exists) what the store says about that ID: built, will run, failed, running. Tasks
 * made by one call in a loop or `map` each get their own lens there, named.
 */
import type { CodeLens } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { tasksByCallSite, noOutputText, type DocumentModel, type TaskView } from '../../model/documentModel';
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

export function lensTitle(task: TaskView, named: boolean, statusOf?: StatusOf): string {
  const prefix = named ? `${task.analysed.name ?? task.name}: ` : '';
  const inputs = plural(new Set(task.analysed.deps.map((d) => d.name ?? d.range.start)).size, 'input');
  if (task.outcome.output) {
    const stored = statusOf ? ` · ${storeText(statusOf(task.outcome.output))}` : '';
    return `${prefix}output ${shortId(task.outcome.output)}${stored} · ${inputs}`;
  }
  return `${prefix}${isUnknown(task) ? 'output unknown' : 'no output'}: ${noOutputText(task.outcome)}`;
}

export function codeLenses(model: DocumentModel, document: TextDocument, statusOf?: StatusOf): CodeLens[] {
  const lenses: CodeLens[] = [];
  for (const group of tasksByCallSite(model)) {
    const range = toRange(document, group[0]!.analysed.calleeRange);
    for (const task of group) {
      const title = lensTitle(task, group.length > 1, statusOf);
      lenses.push({
        range,
        command: task.outcome.output
          ? { title, command: CommandIds.copyOutputId, arguments: [task.outcome.output, task.analysed.name ?? task.name] }
          // No command: the lens is a label that says why there is no ID.
          : { title, command: '' },
      });
    }
  }
  return lenses;
}
