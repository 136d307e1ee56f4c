/**
 * Moving around a pipeline by task: go to definition, find references, rename, completion of task
 * names, and document symbols.
 */
import {
  CompletionItemKind,
  ResponseError,
  SymbolKind,
  type CompletionItem,
  type DocumentSymbol,
  type Location,
  type LocationLink,
  type Range,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { basename } from 'node:path';
import type { SourceRange, TaskReference } from '../../analysis/types';
import { completionSiteAt, nestedNameUses, noOutputText, referenceAt, referencesTo, taskNamed, type DocumentModel } from '../../model/documentModel';
import { shortId, toLocation, toRange } from './convert';
import { literalContent, type Quote } from './literals';

/** The text of a name reference without its quotes (references may or may not include them). */
function insideQuotes(text: string, range: SourceRange): SourceRange {
  const first = text[range.start];
  if (range.end - range.start >= 2 && (first === "'" || first === '"' || first === '`') && text[range.end - 1] === first) {
    return { ...range, start: range.start + 1, end: range.end - 1 };
  }
  return range;
}

/** The quote a name reference is written in (the range may or may not include it), if any. */
function quoteOf(text: string, range: SourceRange): Quote | undefined {
  const isQuote = (c: string | undefined): c is Quote => c === "'" || c === '"' || c === '`';
  const first = text[range.start];
  if (isQuote(first) && text[range.end - 1] === first && range.end - range.start >= 2) return first;
  const before = text[range.start - 1];
  return isQuote(before) ? before : undefined;
}

export function definition(model: DocumentModel, document: TextDocument, offset: number): LocationLink[] | null {
  const ref = referenceAt(model, offset);
  if (!ref) return null;
  const task = taskNamed(model, ref.dag, ref.task);
  if (!task) return null;
  // A task a helper makes is defined there: its name literal in the helper.
  const inHelper = task.analysed.madeAt && referencesTo(model, ref).find((r) => r.kind === 'definition' && r.range.file !== undefined);
  const target = inHelper ? toLocation(model, document, inHelper.range) : undefined;
  if (target) return [{ originSelectionRange: toRange(document, ref.range), targetUri: target.uri, targetRange: target.range, targetSelectionRange: target.range }];
  return [{
    originSelectionRange: toRange(document, ref.range),
    targetUri: document.uri,
    targetRange: toRange(document, task.analysed.callRange),
    targetSelectionRange: toRange(document, task.analysed.nameLiteralRange ?? task.analysed.nameRange),
  }];
}

export function references(model: DocumentModel, document: TextDocument, offset: number, includeDeclaration: boolean): Location[] {
  const ref = referenceAt(model, offset);
  if (!ref) return [];
  return referencesTo(model, ref)
    .filter((r) => includeDeclaration || r.kind !== 'definition')
    .flatMap((r) => toLocation(model, document, r.range) ?? []);
}

/** The text a reference's offsets are in: this module's, or the helper's the analysis read. */
const textOf = (model: DocumentModel, range: SourceRange) => (range.file === undefined ? model.text : model.analysis.moduleTexts.get(range.file));

/**
 * Why the task `ref` names cannot be renamed by editing name literals: its definition is computed, or
 * some call names it with a value that is not a literal there (`dag.get(nm)`, or `addDep(x ?? 'a')`
 * where the analysis cannot tell which name the argument is), which would keep the old name after the
 * literals changed and break the module.
 */
function renameRefusal(model: DocumentModel, ref: TaskReference, ownName?: string): string | undefined {
  const refs = referencesTo(model, ref);
  const task = taskNamed(model, ref.dag, ref.task);
  if (!task || !(task.analysed.nameLiteralRange || refs.some((r) => r.kind === 'definition'))) {
    return `The name of '${ref.task}' is computed${ownName ? ` (as ${ownName} sees it)` : ''}, so it cannot be renamed here`;
  }
  const nested = nestedNameUses(model, ref.task)[0];
  const computed: { range: SourceRange } | undefined = refs.find((r) => r.kind === 'computed') ?? (nested && { range: nested });
  const text = computed && textOf(model, computed.range);
  if (computed && text !== undefined) {
    const line = text.slice(0, computed.range.start).split('\n').length;
    const written = text.slice(computed.range.start, computed.range.end);
    const shown = written.length <= 40 ? `\`${written}\`` : 'a computed value';
    const file = computed.range.file ?? ownName;
    const where = file === undefined ? `line ${line}` : `line ${line} of ${basename(file)}`;
    return `'${ref.task}' is also named by ${shown} on ${where}, which rename cannot change: rename it by hand`;
  }
  return undefined;
}

/**
 * Another pipeline module that reads this one's file (it imports its Dag, say), as the server has it:
 * a rename of a task of a Dag it shares must edit its references too, or it fails.
 */
export interface ReaderPipeline {
  readonly model: DocumentModel;
  readonly document: TextDocument;
}

/** Where the `new Dag(…)` of a Dag is: the same place in two analyses is the same Dag. */
function dagOrigin(model: DocumentModel, dag: number): SourceRange | undefined {
  const analysed = model.dags[dag]?.analysed;
  return analysed && (analysed.madeAt ?? { ...analysed.range, file: model.fileName });
}

/**
 * This module and each reader that has the Dag of `ref`, with the task's reference as each one's
 * analysis knows it (the same Dag is the one made by the same `new Dag(…)`).
 */
function sharers(model: DocumentModel, document: TextDocument, ref: TaskReference, readers: readonly ReaderPipeline[]): { reader: ReaderPipeline; ref: TaskReference }[] {
  const own = { reader: { model, document }, ref };
  const origin = dagOrigin(model, ref.dag);
  if (!origin) return [own];
  return [own, ...readers.flatMap((reader) => {
    const dag = reader.model.dags.findIndex((_, i) => {
      const o = dagOrigin(reader.model, i);
      return o !== undefined && o.file === origin.file && o.start === origin.start && o.end === origin.end;
    });
    if (dag < 0 || !taskNamed(reader.model, dag, ref.task)) return [];
    return [{ reader, ref: { ...ref, dag, range: { start: 0, end: 0 } } }];
  })];
}

/** Why no module that has the task can be renamed in (a reader's refusal names its file). */
function refusalOf(model: DocumentModel, shared: readonly { reader: ReaderPipeline; ref: TaskReference }[]): string | undefined {
  for (const { reader, ref } of shared) {
    const refusal = renameRefusal(reader.model, ref, reader.model === model ? undefined : reader.model.fileName);
    if (refusal) return refusal;
  }
  return undefined;
}

/**
 * Renaming works on a task name written as a string (its definition or a reference by name), here or
 * in a helper, and in the other pipelines `readers` that share its Dag.
 */
export function prepareRename(model: DocumentModel, document: TextDocument, offset: number, readers: readonly ReaderPipeline[] = []): { range: Range; placeholder: string } | null {
  const ref = referenceAt(model, offset);
  if (!ref || ref.kind === 'variable') return null;
  const refusal = refusalOf(model, sharers(model, document, ref, readers));
  if (refusal) throw new ResponseError(0, refusal);
  return { range: toRange(document, insideQuotes(model.text, ref.range)), placeholder: ref.task };
}

export function rename(model: DocumentModel, document: TextDocument, offset: number, newName: string, readers: readonly ReaderPipeline[] = []): WorkspaceEdit | null {
  const ref = referenceAt(model, offset);
  if (!ref || ref.kind === 'variable') return null;
  const shared = sharers(model, document, ref, readers);
  // Clients may rename without asking first.
  const refusal = refusalOf(model, shared);
  if (refusal) throw new ResponseError(0, refusal);
  if (newName.length === 0) throw new ResponseError(0, 'A task name may not be empty');
  for (const { reader, ref: theirs } of shared) {
    if (taskNamed(reader.model, theirs.dag, newName)) throw new ResponseError(0, `A task named '${newName}' already exists${reader.model === model ? '' : ` (in ${basename(reader.model.fileName)})`}`);
  }
  // Each reference is escaped for its own quotes: in a template literal `${x}` must stay text, not
  // become an interpolation; in '…' a quote or a line break must not end the string. References in
  // a helper module are edited there (by the text the analysis read, which is the editor's), once
  // however many pipelines read them.
  const changes: Record<string, TextEdit[]> = {};
  const edited = new Set<string>();
  for (const { reader, ref: theirs } of shared) {
    for (const r of referencesTo(reader.model, theirs)) {
      const text = textOf(reader.model, r.range);
      if (r.kind === 'variable' || text === undefined) continue;
      // This module's own references, as a reader saw them, are edited from its own analysis (first).
      if (reader.model !== model && r.range.file === model.fileName) continue;
      const location = toLocation(reader.model, reader.document, insideQuotes(text, r.range));
      if (!location) continue;
      const key = `${location.uri}:${location.range.start.line}:${location.range.start.character}`;
      if (edited.has(key)) continue;
      edited.add(key);
      const quote = quoteOf(text, r.range);
      (changes[location.uri] ??= []).push({ range: location.range, newText: quote ? literalContent(newName, quote) : newName });
    }
  }
  return { changes };
}

export function completion(model: DocumentModel, document: TextDocument, offset: number): CompletionItem[] {
  const site = completionSiteAt(model, offset);
  if (!site) return [];
  const dag = model.dags[site.dag];
  if (!dag) return [];
  const range = toRange(document, site.range);
  const seen = new Set<string>();
  const items: CompletionItem[] = [];
  for (const task of dag.tasks) {
    const name = task.analysed.name;
    if (name === undefined || seen.has(name)) continue;
    seen.add(name);
    items.push({
      label: name,
      kind: CompletionItemKind.Reference,
      detail: task.outcome.output ? `output ${shortId(task.outcome.output)}` : noOutputText(task.outcome),
      textEdit: { range, newText: name },
    });
  }
  return items;
}

export function documentSymbols(model: DocumentModel, document: TextDocument): DocumentSymbol[] {
  const symbols: DocumentSymbol[] = [];
  for (const dag of model.dags) {
    // Another pipeline this module only imports is in its own module's outline.
    if (dag.analysed.fromImportsOnly) continue;
    const dagRange = toRange(document, dag.analysed.range);
    symbols.push({
      name: dag.analysed.variable ?? 'Dag',
      detail: `${dag.tasks.length} tasks${dag.analysed.isDefaultExport ? ' · default export' : ''}`,
      kind: SymbolKind.Module,
      range: dagRange,
      selectionRange: dagRange,
    });
    for (const task of dag.tasks) {
      symbols.push({
        name: task.analysed.name ?? task.name,
        detail: task.outcome.output ? shortId(task.outcome.output) : `no output: ${noOutputText(task.outcome)}`,
        kind: SymbolKind.Function,
        range: toRange(document, task.analysed.callRange),
        selectionRange: toRange(document, task.analysed.nameRange),
      });
    }
  }
  return symbols;
}
