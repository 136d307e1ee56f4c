/** The model's problems as LSP diagnostics (`source: 'alamode'`, with codes and related information). */
import { pathToFileURL } from 'node:url';
import { DiagnosticSeverity, type Diagnostic, type DiagnosticRelatedInformation } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { DocumentModel, ModelDiagnostic } from '../../model/documentModel';
import { toRange } from './convert';

export function diagnostics(model: DocumentModel, document: TextDocument): Diagnostic[] {
  // Related places in modules the pipeline imports (ranges with a `file`) are placed in their own text.
  const others = new Map<string, TextDocument>();
  const related = (r: ModelDiagnostic['related'][number]): DiagnosticRelatedInformation[] => {
    if (r.range.file === undefined) return [{ location: { uri: document.uri, range: toRange(document, r.range) }, message: r.message }];
    let other = others.get(r.range.file);
    if (!other) {
      const text = model.analysis.moduleTexts.get(r.range.file);
      if (text === undefined) return [];
      other = TextDocument.create(pathToFileURL(r.range.file).href, 'typescript', 0, text);
      others.set(r.range.file, other);
    }
    return [{ location: { uri: other.uri, range: toRange(other, r.range) }, message: r.message }];
  };
  return model.diagnostics.map((d) => {
    const info = d.related.flatMap(related);
    return {
      range: toRange(document, d.range),
      severity: d.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
      source: 'alamode',
      code: d.code,
      message: d.message,
      ...(info.length > 0 ? { relatedInformation: info } : {}),
      ...(d.data ? { data: d.data } : {}),
    };
  });
}
