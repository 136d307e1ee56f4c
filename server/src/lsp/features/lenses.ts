/**
 * Code lenses: each task's output ID at its `dag.task(` call, or why it has none. Tasks made by one
 * call in a loop or `map` each get their own lens there, named.
 */
import type { CodeLens } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { tasksByCallSite, noOutputText, type DocumentModel, type TaskView } from '../../model/documentModel';
import { CommandIds } from '../../protocol';
import { plural, shortId, toRange } from './convert';

/** Whether a task lacks an output because something is not static (rather than because the pipeline is wrong). */
export function isUnknown(task: TaskView): boolean {
  const r = task.outcome.noOutput;
  return r !== undefined && (r.kind === 'unknown' || (r.kind === 'upstream' && r.rootReason.kind === 'unknown'));
}

export function lensTitle(task: TaskView, named: boolean): string {
  const prefix = named ? `${task.analysed.name ?? task.name}: ` : '';
  const inputs = plural(new Set(task.analysed.deps.map((d) => d.name ?? d.range.start)).size, 'input');
  if (task.outcome.output) return `${prefix}output ${shortId(task.outcome.output)} · ${inputs}`;
  return `${prefix}${isUnknown(task) ? 'output unknown' : 'no output'}: ${noOutputText(task.outcome)}`;
}

export function codeLenses(model: DocumentModel, document: TextDocument): CodeLens[] {
  const lenses: CodeLens[] = [];
  for (const group of tasksByCallSite(model)) {
    const range = toRange(document, group[0]!.analysed.calleeRange);
    for (const task of group) {
      const title = lensTitle(task, group.length > 1);
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
