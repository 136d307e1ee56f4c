/** The model's problems as LSP diagnostics (`source: 'alamode'`, with codes and related information). */
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { DocumentModel } from '../../model/documentModel';
import { toRange } from './convert';

export function diagnostics(model: DocumentModel, document: TextDocument): Diagnostic[] {
  return model.diagnostics.map((d) => ({
    range: toRange(document, d.range),
    severity: d.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    source: 'alamode',
    code: d.code,
    message: d.message,
    ...(d.related.length > 0
      ? { relatedInformation: d.related.map((r) => ({ location: { uri: document.uri, range: toRange(document, r.range) }, message: r.message })) }
      : {}),
    ...(d.data ? { data: d.data } : {}),
  }));
}
