/**
 * Code nested too deeply for TypeScript's parser. The parser is recursive: 800 to 1,500 levels of
 * `[[[…]]]`, `f(f(…))` or `(() => (…))` overflow the JS stack (how many depends on the stack left
 * where it is called), and there is no tree at all. When that happens, the inside of a bracket pair
 * that opens at a safe depth is replaced by a placeholder identifier of the same length (offsets do not
 * move), the text is parsed again, and the evaluator treats the placeholder as code it cannot read: an
 * `analysis-limit` there, and everything the removed code names may have been read, changed or
 * declared (its facts are taken from its tokens). Code elsewhere in the module keeps its meaning.
 *
 * The brackets are found with TypeScript's own scanner. Whether a `/` is a regular expression or a
 * division depends on the syntax around it, which a scanner can only guess: where the guess is not
 * certain, nothing is replaced (the module is then too deep to analyse). A replacement is kept only if
 * the new tree has the placeholder exactly where the text was, where an expression or a statement goes
 * (not a parameter list, a pattern or a class body, which would change what the names around it mean;
 * a deeper bracket is tried instead).
 */
import ts from 'typescript';
import type { SourceRange } from './types';

/** What the replaced code may do, from its tokens (over-approximated, as for havoc). */
export interface DeepRegion {
  readonly range: SourceRange;
  /** Identifiers it names as variables (not property names): it may read anything reachable from them. */
  readonly names: ReadonlySet<string>;
  /** Those it may assign (written before an assignment operator or next to `++`/`--`, or all of them). */
  readonly assigned: ReadonlySet<string>;
  /** Those it may declare with `var` or `function`, which would belong to the enclosing function. */
  readonly declared: ReadonlySet<string>;
  readonly usesThis: boolean;
  /** It contains `return`, `break` or `continue`. */
  readonly mayJump: boolean;
}

/** The placeholders of a tree, by their start offset. */
const regionsOf = new WeakMap<ts.SourceFile, ReadonlyMap<number, DeepRegion>>();

export const PLACEHOLDER = '__nested__';

/** The `analysis-limit` message on code set aside. */
export const UNREAD_DEEP_CODE = 'the analysis does not read this code: it nests too deeply';

/** The removed region `node` stands for, if it is a placeholder. Cheap for other identifiers. */
export function deepRegionAt(node: ts.Identifier): DeepRegion | undefined {
  const name = node.text;
  if (name !== PLACEHOLDER && name !== '_') return undefined;
  const regions = regionsOf.get(node.getSourceFile());
  if (!regions) return undefined;
  const start = node.end - name.length;
  const region = regions.get(start);
  return region && region.range.end - region.range.start >= name.length ? region : undefined;
}

/** The removed regions of a tree, when it has any (most have none). */
export function deepRegionsOf(sf: ts.SourceFile): ReadonlyMap<number, DeepRegion> | undefined {
  return regionsOf.get(sf);
}

export function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

/** Depths to cut at, tried in turn: deep enough for real code, shallow enough for the parser. */
const CUT_DEPTHS = [200, 50];
/** Attempts per depth at moving a cut deeper, past a bracket where a placeholder cannot go. */
const MAX_ATTEMPTS = 8;

/**
 * Parses `text` (with `parse`), replacing what nests too deeply for the parser (see the module comment).
 * Returns undefined when the text cannot be parsed even so.
 */
export function parseNested(text: string, parse: (text: string) => ts.SourceFile): ts.SourceFile | undefined {
  for (const depth of CUT_DEPTHS) {
    const skip = new Set<number>();
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const cut = cutDeepRegions(text, depth, skip);
      if (!cut) return undefined;
      let sf: ts.SourceFile;
      try {
        sf = parse(cut.text);
      } catch (e) {
        if (isStackOverflow(e)) break; // too deep still: cut shallower
        throw e;
      }
      const misplaced = cut.regions.filter((r) => !placeholderHolds(sf, r.range));
      if (misplaced.length === 0) {
        regionsOf.set(sf, new Map(cut.regions.map((r) => [r.range.start, r])));
        return sf;
      }
      for (const r of misplaced) skip.add(r.range.start);
    }
  }
  return undefined;
}

/** Where a placeholder stands for an expression or statements without changing the code around it. */
function placeholderHolds(sf: ts.SourceFile, range: SourceRange): boolean {
  const id = identifierAt(sf, range.start);
  if (!id || id.getStart(sf) !== range.start || id.end > range.end) return false;
  const diagnostics = (sf as unknown as { parseDiagnostics?: readonly ts.Diagnostic[] }).parseDiagnostics ?? [];
  if (diagnostics.some((d) => d.start !== undefined && d.start >= range.start - 1 && d.start <= range.end + 1)) return false;
  const parent = id.parent;
  switch (parent.kind) {
    case ts.SyntaxKind.ParenthesizedExpression:
    case ts.SyntaxKind.ArrayLiteralExpression:
    case ts.SyntaxKind.TemplateSpan:
    case ts.SyntaxKind.ComputedPropertyName:
    case ts.SyntaxKind.IfStatement:
    case ts.SyntaxKind.WhileStatement:
    case ts.SyntaxKind.DoStatement:
    case ts.SyntaxKind.SwitchStatement:
      return true;
    case ts.SyntaxKind.CallExpression:
    case ts.SyntaxKind.NewExpression:
      return (parent as ts.CallExpression).arguments?.includes(id) ?? false;
    case ts.SyntaxKind.ElementAccessExpression:
      return (parent as ts.ElementAccessExpression).argumentExpression === id;
    case ts.SyntaxKind.ArrowFunction:
      return (parent as ts.ArrowFunction).body === id;
    case ts.SyntaxKind.ShorthandPropertyAssignment:
      // An object literal's only member (`{a: {…}}` nested deep): the object is then unknown.
      return ts.isObjectLiteralExpression(parent.parent) && !isAssignmentTarget(parent.parent);
    case ts.SyntaxKind.ExpressionStatement:
      // Statements in a block or a function body.
      return ts.isBlock(parent.parent) || ts.isSourceFile(parent.parent) || ts.isCaseClause(parent.parent) || ts.isDefaultClause(parent.parent);
    default:
      return false;
  }
}

/** `{…} = x`, `[…] = x`, `for ({…} of …)`: a destructuring target, not a value. */
function isAssignmentTarget(node: ts.Node): boolean {
  let n = node;
  while (ts.isParenthesizedExpression(n.parent) || ts.isArrayLiteralExpression(n.parent) || ts.isObjectLiteralExpression(n.parent) || ts.isPropertyAssignment(n.parent) || ts.isSpreadElement(n.parent) || ts.isSpreadAssignment(n.parent)) n = n.parent;
  const p = n.parent;
  return (ts.isBinaryExpression(p) && p.left === n && p.operatorToken.kind === ts.SyntaxKind.EqualsToken) || (ts.isForOfStatement(p) && p.initializer === n) || (ts.isForInStatement(p) && p.initializer === n);
}

/** The identifier starting at `pos`, found without recursion (the tree may still be deep). */
function identifierAt(sf: ts.SourceFile, pos: number): ts.Identifier | undefined {
  let node: ts.Node = sf;
  for (;;) {
    let next: ts.Node | undefined;
    ts.forEachChild(node, (child) => {
      if (next === undefined && child.pos <= pos && pos < child.end) next = child;
    });
    if (!next) return undefined;
    if (ts.isIdentifier(next)) return next;
    node = next;
  }
}

interface Open {
  readonly kind: ts.SyntaxKind;
  /** Offset just after the bracket (after the `${` of a template span). */
  inner: number;
  /** How a `/` right after the closing bracket reads: a regular expression, a division, or not certain. */
  readonly slashAfter: 'regex' | 'division' | 'unsure';
  /** Arrow functions open at this level (`() => () => …`): each nests one level deeper. */
  arrows: number;
}

/** Whether an expression starts after a token (a `/` there begins a regular expression). */
function expressionStartsAfter(kind: ts.SyntaxKind | undefined): boolean {
  if (kind === undefined) return true;
  switch (kind) {
    case ts.SyntaxKind.Identifier:
    case ts.SyntaxKind.PrivateIdentifier:
    case ts.SyntaxKind.NumericLiteral:
    case ts.SyntaxKind.BigIntLiteral:
    case ts.SyntaxKind.StringLiteral:
    case ts.SyntaxKind.NoSubstitutionTemplateLiteral:
    case ts.SyntaxKind.TemplateTail:
    case ts.SyntaxKind.RegularExpressionLiteral:
    case ts.SyntaxKind.ThisKeyword:
    case ts.SyntaxKind.SuperKeyword:
    case ts.SyntaxKind.TrueKeyword:
    case ts.SyntaxKind.FalseKeyword:
    case ts.SyntaxKind.NullKeyword:
    case ts.SyntaxKind.CloseBracketToken:
    case ts.SyntaxKind.CloseParenToken:
    case ts.SyntaxKind.CloseBraceToken:
    case ts.SyntaxKind.PlusPlusToken:
    case ts.SyntaxKind.MinusMinusToken:
    case ts.SyntaxKind.ExclamationToken: // `x! / 2` (non-null) is a division
      return false;
    default:
      // Keywords that end an expression are listed above; the others (`return`, `typeof`, …) begin one.
      return true;
  }
}

/** Tokens that can begin a statement: after a line break that follows a complete expression, a new one. */
function startsStatement(kind: ts.SyntaxKind): boolean {
  return kind === ts.SyntaxKind.Identifier || (kind >= ts.SyntaxKind.FirstKeyword && kind <= ts.SyntaxKind.LastKeyword && kind !== ts.SyntaxKind.InKeyword && kind !== ts.SyntaxKind.InstanceOfKeyword && kind !== ts.SyntaxKind.AsKeyword && kind !== ts.SyntaxKind.SatisfiesKeyword)
    || kind === ts.SyntaxKind.StringLiteral || kind === ts.SyntaxKind.NumericLiteral || kind === ts.SyntaxKind.OpenBraceToken;
}

const BLOCK_AFTER = new Set([ts.SyntaxKind.CloseParenToken, ts.SyntaxKind.SemicolonToken, ts.SyntaxKind.OpenBraceToken, ts.SyntaxKind.CloseBraceToken, ts.SyntaxKind.EqualsGreaterThanToken, ts.SyntaxKind.ElseKeyword, ts.SyntaxKind.TryKeyword, ts.SyntaxKind.FinallyKeyword, ts.SyntaxKind.DoKeyword]);
const OBJECT_AFTER = new Set([ts.SyntaxKind.OpenParenToken, ts.SyntaxKind.CommaToken, ts.SyntaxKind.EqualsToken, ts.SyntaxKind.ColonToken, ts.SyntaxKind.OpenBracketToken, ts.SyntaxKind.QuestionToken, ts.SyntaxKind.ReturnKeyword, ts.SyntaxKind.DotDotDotToken, ts.SyntaxKind.TemplateHead, ts.SyntaxKind.TemplateMiddle]);
const CONTROL = new Set([ts.SyntaxKind.IfKeyword, ts.SyntaxKind.WhileKeyword, ts.SyntaxKind.ForKeyword, ts.SyntaxKind.WithKeyword]);

interface Facts {
  names: Set<string>;
  assigned: Set<string>;
  declared: Set<string>;
  usesThis: boolean;
  mayJump: boolean;
  /** A destructuring assignment or declaration (`[a, b] = …`, `var {a} = …`): every name may be assigned (declared). */
  assignsAll: boolean;
  declaresAll: boolean;
  /** `?` not yet matched by `:`, per bracket level (a `name:` after one is a variable, not a key or label). */
  pendingQuestions: number;
}

/** Keywords with a meaning here; any other may be a name (`type`, `of`, `as`, …). */
const SPECIAL_KEYWORDS = new Set([ts.SyntaxKind.ThisKeyword, ts.SyntaxKind.SuperKeyword, ts.SyntaxKind.ReturnKeyword, ts.SyntaxKind.BreakKeyword, ts.SyntaxKind.ContinueKeyword, ts.SyntaxKind.OfKeyword, ts.SyntaxKind.InKeyword, ts.SyntaxKind.VarKeyword, ts.SyntaxKind.LetKeyword, ts.SyntaxKind.ConstKeyword, ts.SyntaxKind.FunctionKeyword]);

const ASSIGNMENTS = new Set([ts.SyntaxKind.EqualsToken, ts.SyntaxKind.PlusEqualsToken, ts.SyntaxKind.MinusEqualsToken, ts.SyntaxKind.AsteriskEqualsToken, ts.SyntaxKind.AsteriskAsteriskEqualsToken, ts.SyntaxKind.SlashEqualsToken, ts.SyntaxKind.PercentEqualsToken, ts.SyntaxKind.LessThanLessThanEqualsToken, ts.SyntaxKind.GreaterThanGreaterThanEqualsToken, ts.SyntaxKind.GreaterThanGreaterThanGreaterThanEqualsToken, ts.SyntaxKind.AmpersandEqualsToken, ts.SyntaxKind.BarEqualsToken, ts.SyntaxKind.CaretEqualsToken, ts.SyntaxKind.AmpersandAmpersandEqualsToken, ts.SyntaxKind.BarBarEqualsToken, ts.SyntaxKind.QuestionQuestionEqualsToken, ts.SyntaxKind.PlusPlusToken, ts.SyntaxKind.MinusMinusToken]);

function regionOf(start: number, end: number, f: Facts): DeepRegion {
  return {
    range: { start, end },
    names: f.names,
    assigned: f.assignsAll ? f.names : f.assigned,
    declared: f.declaresAll ? f.names : f.declared,
    usesThis: f.usesThis,
    mayJump: f.mayJump,
  };
}

/**
 * The text with code replaced where it nests `depth` deep: the inside of the bracket pair (or template
 * span) that opens there, or the body of the arrow function that does (`() => () => …`), up to the end
 * of its expression. Cuts opening at an offset in `skip` are passed over for a deeper one. With what
 * each replaced region does; undefined when nothing nests that deeply or the scan is not certain.
 */
export function cutDeepRegions(text: string, depth: number, skip: ReadonlySet<number> = new Set()): { text: string; regions: DeepRegion[] } | undefined {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, /*skipTrivia*/ true, ts.LanguageVariant.Standard, text);
  const root: Open = { kind: ts.SyntaxKind.Unknown, inner: 0, slashAfter: 'unsure', arrows: 0 };
  const stack: Open[] = [root];
  const regions: DeepRegion[] = [];
  /** While scanning code being replaced: its start, the level it belongs to, and whether it is an arrow's body. */
  let cut: { start: number; level: number; arrowBody: boolean; facts: Facts } | undefined;
  let nesting = 0; // brackets and arrows open
  let previous: ts.SyntaxKind | undefined;
  let beforePrevious: ts.SyntaxKind | undefined;
  let lastClosed: Open | undefined;
  const endCut = (end: number): void => {
    if (end > cut!.start) regions.push(regionOf(cut!.start, end, cut!.facts));
    cut = undefined;
  };
  const startCut = (start: number, level: number, arrowBody: boolean): void => {
    if (!cut && nesting >= depth && !skip.has(start)) {
      cut = { start, level, arrowBody, facts: { names: new Set(), assigned: new Set(), declared: new Set(), usesThis: false, mayJump: false, assignsAll: false, declaresAll: false, pendingQuestions: 0 } };
    }
  };
  /** The identifier just before the current token, when it names a variable. */
  let lastName: string | undefined;

  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.SlashToken || kind === ts.SyntaxKind.SlashEqualsToken) {
      const closedBefore = previous === ts.SyntaxKind.CloseParenToken || previous === ts.SyntaxKind.CloseBraceToken;
      const reading = closedBefore ? lastClosed?.slashAfter ?? 'unsure' : expressionStartsAfter(previous) ? 'regex' : 'division';
      if (reading === 'unsure') return undefined;
      if (reading === 'regex') kind = scanner.reScanSlashToken();
    } else if (kind === ts.SyntaxKind.CloseBraceToken && stack.at(-1)!.kind === ts.SyntaxKind.TemplateHead) {
      kind = scanner.reScanTemplateToken(/*isTaggedTemplate*/ false);
    }
    const top = stack.at(-1)!;
    const level = stack.length - 1;
    // A statement ends at a line break before a token that cannot continue the expression (ASI).
    const asi = scanner.hasPrecedingLineBreak() && !expressionStartsAfter(previous) && startsStatement(kind);
    if (asi || kind === ts.SyntaxKind.SemicolonToken || kind === ts.SyntaxKind.CommaToken) {
      // The arrow functions open at this level end here.
      if (cut?.arrowBody && cut.level === level) {
        if (asi) return undefined; // where the expression ends is not certain enough
        endCut(scanner.getTokenStart());
      }
      nesting -= top.arrows;
      top.arrows = 0;
    }
    let name: string | undefined;
    if (cut) {
      const f = cut.facts;
      const isName = kind === ts.SyntaxKind.Identifier || (kind >= ts.SyntaxKind.FirstKeyword && kind <= ts.SyntaxKind.LastKeyword && !SPECIAL_KEYWORDS.has(kind)); // contextual keywords may be names
      // A name after `.` is a property; before `:` (outside `?:`), a key or a label.
      const property = previous === ts.SyntaxKind.DotToken || previous === ts.SyntaxKind.QuestionDotToken;
      if (isName && !property) {
        name = kind === ts.SyntaxKind.Identifier ? scanner.getTokenValue() : scanner.getTokenText();
        const key = f.pendingQuestions === 0 && scanner.lookAhead(() => scanner.scan() === ts.SyntaxKind.ColonToken);
        if (!key) {
          f.names.add(name);
          if (previous === ts.SyntaxKind.PlusPlusToken || previous === ts.SyntaxKind.MinusMinusToken) f.assigned.add(name);
          if (previous === ts.SyntaxKind.VarKeyword || previous === ts.SyntaxKind.FunctionKeyword) f.declared.add(name);
        }
      } else if (ASSIGNMENTS.has(kind)) {
        if (lastName !== undefined) f.assigned.add(lastName);
        else if (previous === ts.SyntaxKind.CloseBracketToken || previous === ts.SyntaxKind.CloseBraceToken) f.assignsAll = true;
      } else if (kind === ts.SyntaxKind.OfKeyword || kind === ts.SyntaxKind.InKeyword) {
        if (lastName !== undefined) f.assigned.add(lastName); // `for (x of …)` (over-approximated for `x in o`)
        else f.assignsAll = true;
      } else if (kind === ts.SyntaxKind.ThisKeyword || kind === ts.SyntaxKind.SuperKeyword) f.usesThis = true;
      else if (kind === ts.SyntaxKind.ReturnKeyword || kind === ts.SyntaxKind.BreakKeyword || kind === ts.SyntaxKind.ContinueKeyword) f.mayJump = true;
      else if (kind === ts.SyntaxKind.QuestionToken) f.pendingQuestions++;
      else if (kind === ts.SyntaxKind.ColonToken && f.pendingQuestions > 0) f.pendingQuestions--;
      else if ((kind === ts.SyntaxKind.OpenBracketToken || kind === ts.SyntaxKind.OpenBraceToken) && (previous === ts.SyntaxKind.VarKeyword || previous === ts.SyntaxKind.LetKeyword || previous === ts.SyntaxKind.ConstKeyword)) {
        if (previous === ts.SyntaxKind.VarKeyword) f.declaresAll = true;
      }
      if (isName && name === 'eval') f.assignsAll = f.declaresAll = true; // a direct eval can do anything
    }
    lastName = name;
    switch (kind) {
      case ts.SyntaxKind.OpenParenToken:
      case ts.SyntaxKind.OpenBracketToken:
      case ts.SyntaxKind.OpenBraceToken:
      case ts.SyntaxKind.TemplateHead: {
        let slashAfter: Open['slashAfter'] = 'division';
        if (kind === ts.SyntaxKind.OpenParenToken && (CONTROL.has(previous!) || (beforePrevious === ts.SyntaxKind.ForKeyword && previous === ts.SyntaxKind.AwaitKeyword))) slashAfter = 'regex';
        if (kind === ts.SyntaxKind.OpenBraceToken) slashAfter = previous === undefined || BLOCK_AFTER.has(previous) ? 'regex' : OBJECT_AFTER.has(previous) ? 'division' : 'unsure';
        stack.push({ kind, inner: scanner.getTokenEnd(), slashAfter, arrows: 0 });
        nesting++;
        startCut(scanner.getTokenEnd(), stack.length - 1, false);
        break;
      }
      case ts.SyntaxKind.TemplateMiddle:
        // One span of a template ends and the next begins, at the same depth.
        if (cut && !cut.arrowBody && cut.level === level) endCut(scanner.getTokenStart());
        nesting -= top.arrows;
        top.arrows = 0;
        top.inner = scanner.getTokenEnd();
        startCut(scanner.getTokenEnd(), level, false);
        break;
      case ts.SyntaxKind.CloseParenToken:
      case ts.SyntaxKind.CloseBracketToken:
      case ts.SyntaxKind.CloseBraceToken:
      case ts.SyntaxKind.TemplateTail: {
        if (cut?.arrowBody && cut.level === level) endCut(scanner.getTokenStart());
        const open = stack.pop();
        if (!open || open === root || !matches(open.kind, kind)) return undefined; // unbalanced: not certain what this is
        nesting -= open.arrows + 1;
        lastClosed = open;
        if (cut && !cut.arrowBody && cut.level === level) endCut(scanner.getTokenStart());
        break;
      }
      case ts.SyntaxKind.EqualsGreaterThanToken:
        top.arrows++;
        nesting++;
        // The body starts with the next token; it ends with the expression (see above).
        if (!cut && nesting >= depth) {
          const next = scanner.lookAhead(() => (scanner.scan(), scanner.getTokenStart()));
          startCut(next, level, true);
        }
        break;
    }
    beforePrevious = previous;
    previous = kind;
  }
  if (cut?.arrowBody && cut.level === 0) endCut(text.length);
  if (stack.length > 1 || cut || regions.length === 0) return undefined;
  let out = '';
  let last = 0;
  for (const r of regions) {
    const length = r.range.end - r.range.start;
    const name = length >= PLACEHOLDER.length ? PLACEHOLDER : '_';
    // Line breaks stay, so that automatic semicolons around the region are inserted as before.
    out += text.slice(last, r.range.start) + name + text.slice(r.range.start + name.length, r.range.end).replace(/[^\n\r\u2028\u2029]/g, ' ');
    last = r.range.end;
  }
  return { text: out + text.slice(last), regions };
}

function matches(open: ts.SyntaxKind, close: ts.SyntaxKind): boolean {
  switch (open) {
    case ts.SyntaxKind.OpenParenToken: return close === ts.SyntaxKind.CloseParenToken;
    case ts.SyntaxKind.OpenBracketToken: return close === ts.SyntaxKind.CloseBracketToken;
    case ts.SyntaxKind.OpenBraceToken: return close === ts.SyntaxKind.CloseBraceToken;
    case ts.SyntaxKind.TemplateHead: return close === ts.SyntaxKind.TemplateTail;
    default: return false;
  }
}
