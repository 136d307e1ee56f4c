/**
 * TypeScript `enum`s, as the bundle the CLI runs compiles them. esbuild turns
 *
 *     enum Tier { Gold = 'gold', Low = 1, High }
 *
 * into `var Tier = ((Tier2) => { Tier2["Gold"] = "gold"; Tier2[Tier2["Low"] = 1] = "Low"; … return Tier2; })(Tier || {})`:
 * a plain object, each member written in order, with a reverse mapping (value → name) unless esbuild
 * knows the value is a string; a second `enum Tier` block adds to the same object. `const enum`s are
 * inlined where used, with the same values (and the object is there when it is used as a value).
 *
 * What esbuild knows at compile time decides the object's shape, so the analysis follows it, and is
 * unknown wherever it cannot be sure of esbuild's view:
 *
 * - A member's value: esbuild folds constant initialisers (literals, earlier constant members, `E.X`,
 *   arithmetic). The analysis folds a subset of those (so whatever it folds, esbuild folds too, to the
 *   same value); any other initialiser is evaluated as the bundle runs it, where a member name reads
 *   the object being built (`E2.X`) and the enum's name is that object. `**` is folded by esbuild with
 *   Go's `math.Pow`, which differs from V8's in the last bit: an initialiser with a `**` the analysis
 *   cannot fold exactly makes the enum unknown.
 * - A member without initialiser: the previous member's value plus one when esbuild folded it to a
 *   number, `undefined` after any other value (the first member of a block is 0). After a number
 *   esbuild may or may not have folded, unknown.
 * - The reverse mapping: written unless esbuild's type inference says "string" (a string literal, a
 *   template, `+` with a string side, `typeof`, a comma or `?:` whose results are strings); a string
 *   from what esbuild certainly neither folds nor types (a call, `new`, a name, a member it did not
 *   fold) is mapped back. A string value from any other expression makes the enum unknown: a member
 *   esbuild may have folded (`A = 'x' + 1`, then `B = A`), another enum's member (esbuild inlines those
 *   differently within a file and across files).
 * - Only the blocks before are known to esbuild: an initialiser naming a member of a later block makes
 *   the enum unknown.
 */
import ts from 'typescript';
import { ObjectValue, Opaque, Scope, isPrimitive, type Binding, type Value } from '../values';
import { SK, hasDeclareModifier, isIdentifier, isTransparent } from '../syntax';
import type { Interpreter } from '../realm';

/**
 * What esbuild knows of a member at compile time: a constant it folded (and inlines where the member
 * is named, as a string or a number), certainly not a constant (a call, `new`, a name, a member it did
 * not fold: it writes `E2.X`), or not known to the analysis (esbuild folds more than the analysis does).
 */
type Known = { readonly kind: 'const'; readonly value: number | string } | { readonly kind: 'dynamic' } | { readonly kind: 'unsure' };

const DYNAMIC: Known = { kind: 'dynamic' };
const UNSURE: Known = { kind: 'unsure' };

/** What the analysis knows esbuild knows: the constants of each enum block, by the members before it. */
interface BlockFacts {
  /** The member names of this block and of the earlier blocks of the same enum (members in the initialisers). */
  readonly names: ReadonlySet<string>;
  /** Member names of the later blocks only (esbuild does not know them here). */
  readonly later: ReadonlySet<string>;
  /** What esbuild knows of the members of the earlier blocks. */
  readonly earlier: ReadonlyMap<string, Known>;
  /** Why the enum is not modelled at all (a computed member name, a `declare` block merged with it), if so. */
  readonly unsupported?: string;
}

const blockFacts = new WeakMap<ts.EnumDeclaration, BlockFacts>();

function memberName(m: ts.EnumMember): string | undefined {
  const n = m.name;
  if (isIdentifier(n) || n.kind === SK.StringLiteral || n.kind === SK.NoSubstitutionTemplateLiteral) return (n as ts.Identifier).text;
  return undefined;
}

/** What esbuild knows of a member with this initialiser, given what it knows of the members before. */
function knownOf(init: ts.Expression, known: ReadonlyMap<string, Known>, names: ReadonlySet<string>, enumName: string): Known {
  const c = fold(init, known, enumName);
  if (c) return { kind: 'const', value: c.value };
  return notFolded(init, known, names, enumName) ? DYNAMIC : UNSURE;
}

/** What esbuild knows of a member without initialiser (the previous one plus one, when it folded that to a number). */
function autoKnown(previous: Known | undefined): Known {
  if (!previous) return { kind: 'const', value: 0 };
  if (previous.kind === 'const') return typeof previous.value === 'number' ? { kind: 'const', value: previous.value + 1 } : DYNAMIC;
  return previous.kind === 'dynamic' ? DYNAMIC : UNSURE;
}

/** The blocks of the same enum before `node` (esbuild merges them: same name, same block of statements). */
function factsOf(node: ts.EnumDeclaration): BlockFacts {
  let facts = blockFacts.get(node);
  if (facts) return facts;
  const name = node.name.text;
  const siblings = ((node.parent as { statements?: readonly ts.Statement[] }).statements ?? [node]).filter((s): s is ts.EnumDeclaration => ts.isEnumDeclaration(s) && s.name.text === name);
  const names = new Set<string>();
  const later = new Set<string>();
  const earlier = new Map<string, Known>();
  let unsupported: string | undefined;
  let past = false;
  for (const block of siblings) {
    if (hasDeclareModifier(block)) unsupported ??= `enum ${name} is merged with a declaration of it`;
    for (const m of block.members) {
      const n = memberName(m);
      if (n === undefined) unsupported ??= `enum ${name} has a member whose name is not static`;
      else if (n === name) unsupported ??= `enum ${name} has a member of its own name`;
      else if (n in Object.prototype) unsupported ??= `enum ${name} has a member named ${n}, which the analysis does not model`;
      else if (past) later.add(n);
      else names.add(n);
    }
    if (block === node) past = true;
  }
  for (const n of names) later.delete(n);
  for (const block of siblings) {
    if (block === node) break;
    // What esbuild knows of an earlier block's members (from the syntax alone).
    let previous: Known | undefined;
    for (const m of block.members) {
      const n = memberName(m);
      if (n === undefined) break;
      const k = m.initializer ? knownOf(m.initializer, earlier, names, name) : autoKnown(previous);
      earlier.set(n, k);
      previous = k;
    }
  }
  facts = unsupported ? { names, later, earlier, unsupported } : { names, later, earlier };
  blockFacts.set(node, facts);
  return facts;
}

/** A member named in an initialiser (`X`, `E.X`, `E['X']`), if it is one. */
function memberNamed(node: ts.Expression, names: ReadonlySet<string>, enumName: string): string | undefined {
  if (isIdentifier(node)) return names.has(node.text) ? node.text : undefined;
  if (ts.isPropertyAccessExpression(node) && isIdentifier(node.expression) && node.expression.text === enumName && isIdentifier(node.name)) return node.name.text;
  if (ts.isElementAccessExpression(node) && isIdentifier(node.expression) && node.expression.text === enumName && ts.isStringLiteralLike(node.argumentExpression)) return node.argumentExpression.text;
  return undefined;
}

/**
 * Whether esbuild certainly does not fold the initialiser, nor call it a string: a call, `new`, a name
 * (esbuild does not inline constants without minifying; `undefined`, `NaN` and `Infinity` aside), a
 * member it did not fold or does not know yet (it writes `E2.X`).
 */
function notFolded(node: ts.Expression, known: ReadonlyMap<string, Known>, names: ReadonlySet<string>, enumName: string): boolean {
  if (isTransparent(node)) return notFolded(node.expression, known, names, enumName);
  switch (node.kind) {
    case SK.CallExpression:
    case SK.NewExpression:
    case SK.TaggedTemplateExpression:
      return true;
    default: {
      const member = memberNamed(node, names, enumName);
      if (member !== undefined) return (known.get(member) ?? DYNAMIC).kind === 'dynamic';
      return isIdentifier(node) && node.text !== 'undefined' && node.text !== 'NaN' && node.text !== 'Infinity' && node.text !== enumName;
    }
  }
}

/**
 * The initialiser's value when esbuild certainly folds it to that constant (a subset of what esbuild
 * folds); undefined otherwise.
 */
function fold(node: ts.Expression, constants: ReadonlyMap<string, Known>, enumName: string): { readonly value: number | string } | undefined {
  if (isTransparent(node)) return fold(node.expression, constants, enumName);
  switch (node.kind) {
    case SK.NumericLiteral:
      return { value: Number((node as ts.NumericLiteral).text) };
    case SK.StringLiteral:
    case SK.NoSubstitutionTemplateLiteral:
      return { value: (node as ts.StringLiteral).text };
    case SK.TemplateExpression: {
      const t = node as ts.TemplateExpression;
      let s = t.head.text;
      for (const span of t.templateSpans) {
        const c = fold(span.expression, constants, enumName);
        if (!c || typeof c.value !== 'string') return undefined;
        s += c.value + span.literal.text;
      }
      return { value: s };
    }
    case SK.Identifier:
    case SK.PropertyAccessExpression:
    case SK.ElementAccessExpression: {
      const member = memberNamed(node, new Set(constants.keys()), enumName);
      const k = member === undefined ? undefined : constants.get(member);
      return k?.kind === 'const' ? { value: k.value } : undefined;
    }
    case SK.PrefixUnaryExpression: {
      const u = node as ts.PrefixUnaryExpression;
      const c = fold(u.operand, constants, enumName);
      if (!c || typeof c.value !== 'number') return undefined;
      switch (u.operator) {
        case SK.MinusToken: return { value: -c.value };
        case SK.PlusToken: return { value: c.value };
        case SK.TildeToken: return { value: ~c.value };
        default: return undefined;
      }
    }
    case SK.BinaryExpression: {
      const b = node as ts.BinaryExpression;
      const l = fold(b.left, constants, enumName);
      const r = fold(b.right, constants, enumName);
      if (!l || !r) return undefined;
      const [x, y] = [l.value, r.value];
      const op = b.operatorToken.kind;
      if (typeof x === 'string' || typeof y === 'string') {
        // Only string + string: esbuild folds a number into a string in some cases only.
        return op === SK.PlusToken && typeof x === 'string' && typeof y === 'string' ? { value: x + y } : undefined;
      }
      switch (op) {
        case SK.PlusToken: return { value: x + y };
        case SK.MinusToken: return { value: x - y };
        case SK.AsteriskToken: return { value: x * y };
        case SK.SlashToken: return { value: x / y };
        case SK.PercentToken: return { value: x % y };
        case SK.LessThanLessThanToken: return { value: x << y };
        case SK.GreaterThanGreaterThanToken: return { value: x >> y };
        case SK.GreaterThanGreaterThanGreaterThanToken: return { value: x >>> y };
        case SK.AmpersandToken: return { value: x & y };
        case SK.BarToken: return { value: x | y };
        case SK.CaretToken: return { value: x ^ y };
        case SK.AsteriskAsteriskToken: {
          // Exact only for integers with a safe integer result (esbuild's pow is not V8's otherwise).
          const v = x ** y;
          return Number.isInteger(x) && Number.isInteger(y) && y >= 0 && Number.isSafeInteger(v) ? { value: v } : undefined;
        }
        default: return undefined;
      }
    }
    default:
      return undefined;
  }
}

/** Whether esbuild's type inference certainly calls the initialiser a string (then no reverse mapping). */
function surelyString(node: ts.Expression, constants: ReadonlyMap<string, Known>, enumName: string): boolean {
  if (isTransparent(node)) return surelyString(node.expression, constants, enumName);
  switch (node.kind) {
    case SK.StringLiteral:
    case SK.NoSubstitutionTemplateLiteral:
    case SK.TemplateExpression:
    case SK.TypeOfExpression:
      return true;
    case SK.ConditionalExpression: {
      const c = node as ts.ConditionalExpression;
      return surelyString(c.whenTrue, constants, enumName) && surelyString(c.whenFalse, constants, enumName);
    }
    case SK.BinaryExpression: {
      const b = node as ts.BinaryExpression;
      if (b.operatorToken.kind === SK.CommaToken) return surelyString(b.right, constants, enumName);
      if (b.operatorToken.kind === SK.PlusToken) return surelyString(b.left, constants, enumName) || surelyString(b.right, constants, enumName);
      return false;
    }
    default:
      return typeof fold(node, constants, enumName)?.value === 'string';
  }
}

/** Whether the initialiser names one of `names` (property names aside). */
function mentionsAny(node: ts.Node, names: ReadonlySet<string>): boolean {
  if (names.size === 0) return false;
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (isIdentifier(n) && names.has(n.text) && !(n.parent && ts.isPropertyAccessExpression(n.parent) && n.parent.name === n)) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}

/** Whether the initialiser has a `**` (or `**=`): esbuild may fold it differently from V8. */
function hasPower(node: ts.Node): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (n.kind === SK.AsteriskAsteriskToken || n.kind === SK.AsteriskAsteriskEqualsToken) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}

/** Runs an `enum` declaration: binds (or extends) its object. */
export function evalEnum(ev: Interpreter, node: ts.EnumDeclaration, scope: Scope): void {
  const name = node.name.text;
  const facts = factsOf(node);
  const b = scope.bindings.get(name);
  // `E || {}`: the object of an earlier block of the same enum, else a new one.
  const before: Value = b ? (b.volatile ? new Opaque(b.volatile) : b.initialised ? b.value : undefined) : undefined;
  let obj: ObjectValue | undefined;
  let why: string | undefined = facts.unsupported;
  if (before instanceof Opaque) why ??= `enum ${name} adds to a value that is not static (${before.unknown.why})`;
  else if (before instanceof ObjectValue && !before.tainted && before.constructor === ObjectValue) obj = before;
  else if (isPrimitive(before) && !before) obj = new ObjectValue();
  else why ??= `enum ${name} adds to a value the analysis does not model here`;

  const known = new Map(facts.earlier);
  let result: Value;
  let done = 0;
  if (obj && !why) {
    const target = obj;
    // The initialisers' scope: the enum's name is the object being built, a member name reads its member.
    const inner = new Scope(scope, false);
    ev.declare(inner, name, { value: target, kind: 'const', initialised: true });
    for (const member of facts.names) {
      const binding: Binding = {
        value: target,
        kind: 'const',
        initialised: true,
        link: { target: () => ({ kind: 'value', value: readMember(target, member) }) },
      };
      ev.declare(inner, member, binding);
    }
    let previous: { value: Value; known: Known } | undefined;
    for (const m of node.members) {
      const memberKey = memberName(m)!;
      let value: Value;
      let k: Known;
      let isString = false;
      if (m.initializer) {
        if (mentionsAny(m.initializer, facts.later)) {
          why = `${ev.text(m.initializer)} names a member of a later block of enum ${name}, which the analysis does not model`;
          break;
        }
        k = knownOf(m.initializer, known, facts.names, name);
        if (k.kind === 'const') {
          value = k.value;
          isString = typeof k.value === 'string';
        } else {
          if (hasPower(m.initializer)) {
            why = `the bundle may compute ${ev.text(m.initializer)} otherwise than Node (esbuild folds \`**\` with its own arithmetic)`;
            break;
          }
          value = ev.evalExpr(m.initializer, inner);
          isString = surelyString(m.initializer, known, name);
        }
        done++;
      } else {
        k = autoKnown(previous?.known);
        if (k.kind === 'const') value = k.value;
        // After a value esbuild did not fold to a number (certainly, or being no number at all): undefined.
        else if (k.kind === 'dynamic' || (previous && !(previous.value instanceof Opaque) && typeof previous.value !== 'number')) value = undefined;
        else {
          why = `whether the bundle knows the value before ${memberKey} of enum ${name} (and so ${memberKey}'s own) is not static`;
          break;
        }
      }
      if (value instanceof Opaque) {
        why = `${name}.${memberKey} is not static (${value.unknown.why})`;
        break;
      }
      if (!isPrimitive(value)) {
        why = `${name}.${memberKey} is not a primitive value, which the analysis does not model in an enum`;
        break;
      }
      // A string is mapped back unless esbuild calls it a string: not known when neither is certain.
      if (typeof value === 'string' && !isString && k.kind !== 'dynamic') {
        why = `whether the bundle maps ${name}.${memberKey}'s value back to its name is not known to the analysis`;
        break;
      }
      if (target.tainted) {
        why = `enum ${name} was changed by code the analysis cannot see`;
        break;
      }
      ev.touch(target);
      target.props.set(memberKey, ev.slot(value, m));
      if (!isString) target.props.set(String(value), ev.slot(memberKey, m));
      ev.charge(2, m);
      known.set(memberKey, k);
      previous = { value, known: k };
    }
    result = target;
  }
  if (why) {
    const unknown = ev.unknown(why, node.name);
    // The rest of the initialisers still run; what was built is out of sight (a closure of an
    // initialiser may read it later).
    const rest = node.members.flatMap((m) => (m.initializer ? [m.initializer] : [])).slice(done);
    const reach = rest.length ? ev.havoc(rest, scope, unknown) : [];
    if (obj) ev.escape(obj, unknown);
    result = new Opaque(unknown, obj ? [obj, ...reach] : reach);
  }
  if (b) {
    ev.touchBinding(b);
    if (b.volatile) ev.escape(result!, b.volatile);
    b.value = result!;
    b.initialised = true;
  } else {
    ev.declare(scope, name, { value: result!, kind: 'var', initialised: true });
  }
}

/** A member of the enum being built, as `E2.X` reads it. */
function readMember(obj: ObjectValue, key: string): Value {
  if (obj.tainted) return new Opaque(obj.tainted, [obj]);
  const s = obj.props.get(key);
  if (s) return s.value;
  return undefined;
}
