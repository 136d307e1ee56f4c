/**
 * Hover on a task (its name literal, a variable holding it, a dependency in `addDep(...)`, or the
 * `task` of `dag.task(`): the full output ID, what the store says about it (when it was built, how
 * long it took, links to the output and the log; or that it failed, or will run), each input with its
 * ID, the spec as hashed, and what would change the ID.
 */
import type { Hover } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { toJson } from '../../core/json';
import type { BencodeValue } from '../../core/values';
import { noOutputText, referenceAt, taskNamed, tasksAtCall, type DocumentModel, type TaskView } from '../../model/documentModel';
import { dirname, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatAgo, formatBytes, formatDuration } from '../../engine/describe';
import type { StoredStatus } from '../../engine/store';
import { isUnknown, unfollowedText } from './lenses';
import { plural, shortId, toRange } from './convert';

/** The document's store, when it exists: statuses by ID and where it is. */
export interface HoverStore {
  readonly root: string;
  status(id: string): StoredStatus;
}

function link(store: HoverStore, relative: string): string {
  return `[${relative.replace(/([0-9a-f]{12})[0-9a-f]{52}/g, '$1…')}](${pathToFileURL(`${store.root}/${relative}`).href})`;
}

const when = (iso: string) => `${iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')} (${formatAgo(iso)})`;

/** The store's record of an output ID, in a few lines: when, how long, where the output and the log are. */
function describeStored(store: HoverStore, id: string): string[] {
  const status = store.status(id);
  const corrupt = 'corrupt' in status && status.corrupt ? [`A success record for this ID is corrupt and ignored: ${status.corrupt}.`] : [];
  switch (status.kind) {
    case 'built': {
      const r = status.record;
      return [
        `✓ **Built** ${when(r.end)} in ${formatDuration(r.durationMs)}, by ${r.user}@${r.host} (${r.engine}, \`${r.runner}\`, ${r.executor}${r.image ? ` in \`${r.image}\`` : ''})`,
        '',
        `Output: ${link(store, r.path)} · ${plural(r.files, 'file')}, ${formatBytes(r.size)} · \`${r.digest.slice(0, 19)}…\``,
        '',
        `Log: ${link(store, r.log)}`,
      ];
    }
    case 'running':
      return [`⟳ **Running** since ${when(status.owner.since)}: pid ${status.owner.pid} on ${status.owner.host}`, ...corrupt];
    case 'failed': {
      const f = status.failure;
      return [`✗ **Failed** ${when(f.end)} after ${formatDuration(f.durationMs)}: ${f.reason}. No output is recorded; it will run.`, '', `Log: ${link(store, f.log)}`, ...corrupt];
    }
    case 'never':
      return [`**Will run**: no success record for this ID in the store.`, ...corrupt];
  }
}

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

function describeTask(model: DocumentModel, task: TaskView, store?: HoverStore): string {
  const name = task.analysed.name ?? task.name;
  const lines: string[] = [];
  const { output, inputs } = task.outcome;
  if (output) {
    lines.push(`**${name}** · output \`${output}\``);
    if (store) lines.push('', ...describeStored(store, output));
  } else lines.push(`**${name}** · ${isUnknown(task) ? 'output unknown' : 'no output'}: ${noOutputText(task.outcome)}`);
  const made = madeIn(model, task);
  if (made) lines.push('', made);
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

/** For a task a helper module makes: "Made in [quality.ts:9](…) by this call", with a link to the line. */
function madeIn(model: DocumentModel, task: TaskView): string | undefined {
  const at = task.analysed.madeAt;
  if (at?.file === undefined) return undefined;
  const text = model.analysis.moduleTexts.get(at.file);
  let line = 1;
  if (text !== undefined) for (let i = text.indexOf('\n'); i !== -1 && i < at.start; i = text.indexOf('\n', i + 1)) line++;
  const shown = relative(dirname(model.fileName), at.file).split(sep).join('/');
  return `Made in [${shown}:${line}](${pathToFileURL(at.file).href}#L${line}) by this call.`;
}

export function hover(model: DocumentModel, document: TextDocument, offset: number, store?: HoverStore): Hover | null {
  const ref = referenceAt(model, offset);
  if (ref) {
    const task = taskNamed(model, ref.dag, ref.task);
    if (!task) return null;
    return { contents: { kind: 'markdown', value: describeTask(model, task, store) }, range: toRange(document, ref.range) };
  }
  const atCall = tasksAtCall(model, offset);
  if (atCall.length === 0) {
    const unfollowed = model.analysis.unfollowedTaskCalls.find((c) => c.calleeRange.start <= offset && offset <= c.calleeRange.end);
    if (!unfollowed) return null;
    const value = `**tasks made here** · ${unfollowedText(unfollowed)}\n\nThe analysis does not follow this code, so it cannot tell which tasks this call makes.`;
    return { contents: { kind: 'markdown', value }, range: toRange(document, unfollowed.calleeRange) };
  }
  const shown = atCall.slice(0, 10).map((t) => describeTask(model, t, store));
  if (atCall.length > 10) shown.push(`… and ${atCall.length - 10} more tasks from this call`);
  return { contents: { kind: 'markdown', value: shown.join('\n\n---\n\n') } };
}
