/**
 * Hover on a task (its name literal, a variable holding it, a dependency in `addDep(...)`, or the
 * `task` of `dag.task(`): the full output ID, each input with its ID, the spec as hashed, and what
 * would change the ID.
 */
import type { Hover } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { toJson } from '../../core/json';
import type { BencodeValue } from '../../core/values';
import { noOutputText, referenceAt, taskNamed, tasksAtCall, type DocumentModel, type TaskView } from '../../model/documentModel';
import { isUnknown } from './lenses';
import { plural, shortId, toRange } from './convert';

/** Every task upstream of `task` (by name, within its DAG). */
function upstreamOf(model: DocumentModel, task: TaskView): string[] {
  const definition = model.dags[task.dag]!.definition;
  const inputs = new Map(definition.tasks.map((t) => [t.name, t.inputs]));
  const seen = new Set<string>();
  const queue = [...(inputs.get(task.name) ?? [])];
  for (let next = 0; next < queue.length; next++) {
    const n = queue[next]!;
    if (seen.has(n)) continue;
    seen.add(n);
    queue.push(...(inputs.get(n) ?? []));
  }
  return [...seen];
}

function describeTask(model: DocumentModel, task: TaskView): string {
  const name = task.analysed.name ?? task.name;
  const lines: string[] = [];
  const { output, inputs } = task.outcome;
  if (output) lines.push(`**${name}** · output \`${output}\``);
  else lines.push(`**${name}** · ${isUnknown(task) ? 'output unknown' : 'no output'}: ${noOutputText(task.outcome)}`);
  const deps = [...new Set(task.analysed.deps.map((d) => d.name).filter((n): n is string => n !== undefined))];
  if (deps.length > 0) {
    lines.push('', '| input | output |', '| --- | --- |');
    for (const dep of deps) {
      const id = inputs?.[dep] ?? taskNamed(model, task.dag, dep)?.outcome.output;
      lines.push(`| ${dep} | ${id ? `\`${shortId(id)}\`` : 'none'} |`);
    }
  }
  if (output && inputs) {
    const spec = model.dags[task.dag]!.definition.tasks[task.outcome.definition]!.spec as Record<string, BencodeValue>;
    const hashed = { ...spec, inputs };
    lines.push('', 'Hashed (bencoded, then sha256):', '```json', toJson(hashed), '```');
  }
  const upstream = upstreamOf(model, task);
  lines.push('', `Changes when its spec or inputs change${upstream.length > 0 ? `, or when any of its ${plural(upstream.length, 'upstream task')} changes (${upstream.slice(0, 8).join(', ')}${upstream.length > 8 ? ', …' : ''})` : ''}.`);
  return lines.join('\n');
}

export function hover(model: DocumentModel, document: TextDocument, offset: number): Hover | null {
  const ref = referenceAt(model, offset);
  if (ref) {
    const task = taskNamed(model, ref.dag, ref.task);
    if (!task) return null;
    return { contents: { kind: 'markdown', value: describeTask(model, task) }, range: toRange(document, ref.range) };
  }
  const atCall = tasksAtCall(model, offset);
  if (atCall.length === 0) return null;
  const shown = atCall.slice(0, 10).map((t) => describeTask(model, t));
  if (atCall.length > 10) shown.push(`… and ${atCall.length - 10} more tasks from this call`);
  return { contents: { kind: 'markdown', value: shown.join('\n\n---\n\n') } };
}
