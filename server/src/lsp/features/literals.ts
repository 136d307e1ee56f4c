/**
 * Writing a task name into source as a string literal, escaped for the quotes it sits in. TypeScript's
 * own printer does the escaping (it is bundled already for the analysis): quotes, backslashes, line
 * breaks, U+2028/2029 and, in a template literal, backticks and `${`, which would otherwise start an
 * interpolation.
 */
import ts from 'typescript';

export type Quote = "'" | '"' | '`';

let printer: ts.Printer | undefined;
let emptyFile: ts.SourceFile | undefined;

/** The complete literal, quotes included: `stringLiteral("a'b", "'")` is `'a\'b'`. */
export function stringLiteral(value: string, quote: Quote): string {
  printer ??= ts.createPrinter({ newLine: ts.NewLineKind.LineFeed });
  emptyFile ??= ts.createSourceFile('literal.ts', '', ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const node = quote === '`' ? ts.factory.createNoSubstitutionTemplateLiteral(value) : ts.factory.createStringLiteral(value, quote === "'");
  return printer.printNode(ts.EmitHint.Unspecified, node, emptyFile);
}

/** What goes between the quotes of a literal of that kind. */
export function literalContent(value: string, quote: Quote): string {
  return stringLiteral(value, quote).slice(1, -1);
}
