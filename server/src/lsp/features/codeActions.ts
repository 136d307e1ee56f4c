/**
 * Quick fixes: create a stub task for a missing input (or use the near-miss name it suggests), and
 * remove the `addDep` edge that closes a cycle.
 */
import { CodeActionKind, type CodeAction, type Diagnostic, type TextEdit } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { AnalysedDep, SourceRange } from '../../analysis/types';
import { edgeRemovableHere, taskStubPlaceFor, type DocumentModel, type QuickFixData } from '../../model/documentModel';
import { toRange } from './convert';
import { stringLiteral } from './literals';

function findDep(model: DocumentModel, data: { dag: number; task: string; input: string }): AnalysedDep | undefined {
  return model.dags[data.dag]?.analysed.tasks.find((t) => t.name === data.task)?.deps.find((d) => d.name === data.input);
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/**
 * The text to delete to drop one `addDep` argument: the argument and its comma when there are others;
 * otherwise the whole `.addDep(...)`, or the whole statement line when the call is a statement of its own.
 */
export function edgeRemoval(text: string, dep: AnalysedDep): SourceRange | undefined {
  if (dep.argumentCount > 1) {
    if (dep.argumentIndex < dep.argumentCount - 1) {
      const comma = text.indexOf(',', dep.range.end);
      let end = comma + 1;
      while (end < text.length && /[ \t]/.test(text[end]!)) end++;
      return comma < 0 ? undefined : { start: dep.range.start, end };
    }
    const comma = text.lastIndexOf(',', dep.range.start);
    return comma < 0 ? undefined : { start: comma, end: dep.range.end };
  }
  // `receiver.addDep(arg)`: find `.addDep(` before the argument.
  const before = text.slice(dep.callRange.start, dep.range.start);
  const m = /\??\.\s*addDep\s*\(\s*$/.exec(before);
  if (!m) return undefined;
  const start = dep.callRange.start + m.index;
  let end = dep.callRange.end;
  const lineBegin = lineStart(text, dep.callRange.start);
  const afterCall = /^\s*;?[ \t]*(\r?\n|$)/.exec(text.slice(end));
  const receiver = text.slice(dep.callRange.start, start);
  // A statement `x.addDep(y);` on its own line (receiver a plain name) goes entirely.
  if (/^\s*$/.test(text.slice(lineBegin, dep.callRange.start)) && afterCall && /^[\w$.]+$/.test(receiver.trim())) {
    return { start: lineBegin, end: end + afterCall[0].length };
  }
  return { start, end };
}

/** How many inputs of the Dag are named by the literal at `range` (a loop or a helper runs it for several). */
function literalUses(model: DocumentModel, dag: number, range: SourceRange): number {
  let uses = 0;
  for (const task of model.dags[dag]?.analysed.tasks ?? []) {
    for (const d of task.deps) if (d.nameLiteralRange?.start === range.start && d.nameLiteralRange.end === range.end) uses++;
  }
  return uses;
}

export function codeActions(model: DocumentModel, document: TextDocument, diagnostics: readonly Diagnostic[]): CodeAction[] {
  const actions: CodeAction[] = [];
  // Several diagnostics can ask for the same fix (a missing input named in a loop, once per task; a
  // helper's literal, once per call, each with its own place for the stub): one is enough.
  const offered = new Set<string>();
  const offer = (action: CodeAction, key = `${action.title}\0${JSON.stringify(action.edit)}`) => {
    if (offered.has(key)) return;
    offered.add(key);
    actions.push(action);
  };
  const text = model.text;
  for (const diagnostic of diagnostics) {
    if (diagnostic.source !== 'alamode' || !diagnostic.data) continue;
    const data = diagnostic.data as QuickFixData;
    const edit = (edits: TextEdit[]) => ({ changes: { [document.uri]: edits } });
    if (data.fix === 'create-task') {
      const dep = findDep(model, data);
      const dag = model.dags[data.dag];
      // Only a literal that names this one input: one a loop or helper shares names others' inputs too.
      if (data.suggestion && dep?.nameLiteralRange && literalUses(model, data.dag, dep.nameLiteralRange) === 1) {
        offer({
          title: `Change '${data.input}' to '${data.suggestion}'`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          isPreferred: true,
          edit: edit([{ range: toRange(document, dep.nameLiteralRange), newText: data.suggestion }]),
        });
      }
      const place = dep && dag && taskStubPlaceFor(model, dag, dep);
      if (place) {
        // Escaped by TypeScript's printer: a name with a line break or a quote stays one valid string.
        const quoted = stringLiteral(data.input, "'");
        const stub = `${place.before}${dag.analysed.variable}.task(${quoted}, { image: '', sha: '', command: '' });${place.after}`;
        const title = `Create task '${data.input}'`;
        offer({
          title,
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          edit: edit([{ range: toRange(document, { start: place.offset, end: place.offset }), newText: stub }]),
        }, `${title}\0${data.dag}`);
      }
    } else if (data.fix === 'remove-edge') {
      const dep = findDep(model, data);
      const range = dep && edgeRemovableHere(model, dep) && edgeRemoval(text, dep);
      if (!range) continue;
      offer({
        title: `Remove ${data.task}.addDep(${data.input}) to break the cycle`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        isPreferred: data.closesCycle,
        edit: edit([{ range: toRange(document, range), newText: '' }]),
      });
    }
  }
  return actions;
}
