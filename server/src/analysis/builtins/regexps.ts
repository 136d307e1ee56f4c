/**
 * Regular expression literals as the pattern of string methods (`s.replace(/_/g, '-')`,
 * `s.split(/\s+/)`) and in `re.test(s)`, applied natively: the engine here is V8's, the one the
 * module runs on, so a match here is the match there. Written by hand because no library evaluates JavaScript regular expressions
 * other than the engine itself; what is decided here is only *when* it is safe to ask the engine:
 *
 * - only where the result cannot depend on state the analysis does not follow: each use matches with
 *   a fresh copy of the literal (replace and match with /g, and search, reset `lastIndex`; split and a
 *   non-global replace do not read it), never a sticky (/y) one, and never once code may have changed
 *   the object (see {@link RegExpOpaque});
 * - only where matching cannot take long: the engine backtracks, so a pattern with a quantified group
 *   that itself repeats or alternates (`(a+)+`, `(a|a)*`), a backreference, or more than two unbounded
 *   quantifiers (counting as one all those that give back cheaply: {@link givesBackCheaply}) stays unknown, and the text it may be matched against is bounded by how many
 *   unbounded quantifiers it has (the language server must never hang on any text).
 */
import type ts from 'typescript';
import { Opaque, RegExpOpaque, isPrimitive, reachOf, type CallSite, type Realm, type Value } from '../values';
import { nativeError } from './coercion';
import { callbackSite, checkString, isCallable, newArray, methodFn } from './support';

/** The longest text a pattern with 0, 1 or 2 unbounded quantifiers is matched against (about n^(q+1) steps at worst). */
const MAX_SUBJECT = [100_000, 2_000, 200] as const;

export function regExpLiteral(realm: Realm, node: ts.RegularExpressionLiteral): RegExpOpaque {
  const text = node.text;
  const slash = text.lastIndexOf('/');
  const source = text.slice(1, slash);
  const flags = text.slice(slash + 1);
  let pattern: RegExpOpaque['pattern'];
  try {
    new RegExp(source, flags);
    pattern = { source, flags };
  } catch {
    pattern = undefined; // a syntax error the parser reports; the module fails where it is evaluated
  }
  const why = realm.opaque('a regular expression is followed only as the pattern of replace, replaceAll, split, search and match (with /g), and in test (without /g)', node).unknown;
  return new RegExpOpaque(why, pattern, realm.havocEpoch);
}

/**
 * How much backtracking `source` may do: the number of unbounded quantifiers (`*`, `+`, `{n,}`), or
 * `unsafe` for what can take exponential time or is not scanned here.
 */
export function backtrackingRisk(source: string, flags: string): number | 'unsafe' {
  if (flags.includes('v')) return 'unsafe'; // nested classes and set operations: not scanned
  const frames: { quantified: boolean; alternates: boolean }[] = [{ quantified: false, alternates: false }];
  let unbounded = 0;
  let i = 0;
  /** Unbounded quantifiers that cannot backtrack for long (see {@link givesBackCheaply}). */
  let cheap = 0;
  /**
   * After an atom: a quantifier, if any; `atomRepeats` says the atom already repeats or alternates;
   * `atomStart` is where a single-character atom (a character, an escape, a class) starts.
   */
  const quantifier = (atomRepeats: boolean, atomStart?: number): boolean => {
    const atomEnd = i;
    const c = source[i];
    let isUnbounded = false;
    if (c === '*' || c === '+') {
      isUnbounded = true;
      i++;
    } else if (c === '?') {
      i++;
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
      if (!m) return true; // a literal `{` outside /u: an atom of its own, already stepped over by the caller
      isUnbounded = m[2] !== undefined && m[3] === '';
      i += m[0].length;
    } else {
      return true;
    }
    if (source[i] === '?') i++; // lazy
    if (atomRepeats) throw UNSAFE;
    if (isUnbounded && atomStart !== undefined && givesBackCheaply(source, flags, source.slice(atomStart, atomEnd), i)) cheap++;
    else if (isUnbounded) unbounded++;
    frames[frames.length - 1]!.quantified = true;
    return true;
  };
  try {
    while (i < source.length) {
      const c = source[i]!;
      if (c === '\\') {
        const next = source[i + 1];
        if (next === undefined) return 'unsafe';
        if ((next >= '1' && next <= '9') || next === 'k') return 'unsafe'; // backreferences
        const start = i;
        i += 2;
        // \u{…}, \uXXXX, \xXX, \cX, \p{…} span more than two characters: not a simple atom here.
        quantifier(false, /[uxcpP]/.test(next) ? undefined : start);
      } else if (c === '[') {
        const start = i;
        i++;
        while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
        if (i >= source.length) return 'unsafe';
        i++;
        quantifier(false, start);
      } else if (c === '(') {
        frames.push({ quantified: false, alternates: false });
        i++;
        if (source[i] === '?') {
          // (?: (?= (?! (?<= (?<! (?<name>
          i++;
          if (source[i] === '<' && source[i + 1] !== '=' && source[i + 1] !== '!') {
            const end = source.indexOf('>', i);
            if (end < 0) return 'unsafe';
            i = end + 1;
          } else {
            i += source[i] === '<' ? 2 : 1;
          }
        }
      } else if (c === ')') {
        const frame = frames.pop();
        if (!frame || frames.length === 0) return 'unsafe';
        i++;
        const repeats = frame.quantified || frame.alternates;
        quantifier(repeats);
        // What repeats inside a group repeats inside the group around it too.
        if (repeats) frames[frames.length - 1]!.quantified = true;
      } else if (c === '|') {
        frames[frames.length - 1]!.alternates = true;
        i++;
      } else {
        i++;
        quantifier(false, i - 1);
      }
    }
  } catch (e) {
    if (e === UNSAFE) return 'unsafe';
    throw e;
  }
  if (frames.length !== 1) return 'unsafe';
  // Those that give back cheaply add one scan of the text each time they are reached, not a factor.
  const risk = unbounded + (cheap > 0 ? 1 : 0);
  return risk > 2 ? 'unsafe' : risk;
}

/**
 * Whether a single-character atom repeated without bound (`\d+` in `(\d+)\.(\d+)`) can only give
 * back characters that fail at once: when what must match next (after the groups that close there)
 * is a character the atom cannot match, or the end of the pattern. Then of all the lengths it may
 * take, only the longest (or, lazy, the first that reaches that character) goes on: giving one back
 * costs one comparison, and the quantifier adds a scan of the text rather than multiplying the work
 * of the rest of the pattern. Whether the atom matches the character is asked of the engine itself.
 */
function givesBackCheaply(source: string, flags: string, atom: string, after: number): boolean {
  let j = after;
  // A group closing here, itself not quantified: what follows it follows the atom.
  while (source[j] === ')' && !/[*+?{]/.test(source[j + 1] ?? '')) j++;
  if (j === source.length) return true;
  let next: string;
  if (source[j] === '$' && j + 1 === source.length && !flags.includes('m')) return true;
  if (source[j] === '\\' && /^[^\p{L}\p{N}_\s]$/u.test(source[j + 1] ?? '')) {
    next = source[j + 1]!;
    j += 2;
  } else if (!/[\\^$.|?*+()[\]{}]/.test(source[j]!)) {
    next = source[j]!;
    j++;
  } else {
    return false;
  }
  // The character must be there: not optional, nor a surrogate half of another character.
  if (/[*?{]/.test(source[j] ?? '') || /[\ud800-\udfff]/.test(next)) return false;
  try {
    return !new RegExp(`^(?:${atom})$`, flags.replace(/[gyd]/g, '')).test(next);
  } catch {
    return false;
  }
}

const UNSAFE = Symbol('unsafe');

/**
 * A fresh native RegExp for matching `subject` with the literal `value`, or the unknown that says why
 * not; `undefined` when `value` is not a regular expression literal's object.
 */
export function regExpFor(realm: Realm, value: Value, subject: string, node: ts.Node): RegExp | Opaque | undefined {
  if (!(value instanceof RegExpOpaque)) return undefined;
  if (realm.builtinsPatched) return new Opaque(realm.builtinsPatched);
  if (!value.pattern || value.epoch !== realm.havocEpoch) {
    return realm.opaque(`${realm.text(node)} uses a regular expression that code the analysis does not follow may have changed`, node);
  }
  const { source, flags } = value.pattern;
  if (flags.includes('y')) return realm.opaque(`${realm.text(node)} uses a sticky regular expression (/y), which depends on its lastIndex`, node);
  const risk = backtrackingRisk(source, flags);
  if (risk === 'unsafe') {
    return realm.opaque(`${realm.text(node)}: a regular expression that may backtrack for long (a repeated group that repeats or alternates, a backreference, more than two unbounded quantifiers) is not evaluated by the analysis`, node);
  }
  if (subject.length > MAX_SUBJECT[risk]!) return realm.limitOpaque(`the text is too long to match with this regular expression in the analysis (${subject.length.toLocaleString('en-US')} characters)`, node);
  realm.charge(subject.length + 1, node);
  return new RegExp(source, flags);
}

/** `s.replace(re, r)` and `s.replaceAll(re, r)` with a regular expression literal. */
export function replaceWithRegExp(realm: Realm, s: string, pattern: RegExpOpaque, replacement: Value, all: boolean, site: CallSite): Value {
  const re = regExpFor(realm, pattern, s, site.node);
  if (!(re instanceof RegExp)) return re ?? pattern;
  if (all && !re.global) nativeError(realm, new TypeError('replaceAll must be called with a global RegExp'), site.node);
  if (isCallable(replacement)) {
    if (/\(\?<(?![=!])/.test(re.source)) return realm.opaque(`${realm.text(site.node)} passes named groups to its replacement function, which the analysis does not model`, site.node);
    const matches = re.global ? [...s.matchAll(re)] : [re.exec(s)].filter((m): m is RegExpExecArray => m !== null);
    if (matches.length > realm.limits.maxArrayLength) return realm.limitOpaque('too many replacements for the analysis', site.node);
    let out = '';
    let last = 0;
    for (const m of matches) {
      const r = realm.call(replacement, undefined, [...m, m.index, s], callbackSite(site));
      const rs = realm.toStr(r, site.node);
      if (rs instanceof Opaque) return rs;
      out += s.slice(last, m.index) + rs;
      last = m.index + m[0].length;
      if (out.length > realm.limits.maxStringLength) return checkString(realm, out, site.node);
    }
    return checkString(realm, out + s.slice(last), site.node);
  }
  const rep = isPrimitive(replacement) ? replacement : realm.toStr(replacement, site.node);
  if (rep instanceof Opaque) return rep;
  const r = String(rep);
  // `$&` and its kind copy at most the whole text into each replacement: bound the result before making
  // it, by the most matches there can be (one per position), and only when that is too loose by the
  // matches there are (a second matching pass).
  const bound = (count: number) => s.length + count * r.length * (r.includes('$') ? s.length + 1 : 1);
  const tooLong = bound(re.global ? s.length + 1 : 1) > realm.limits.maxStringLength
    && bound(re.global ? [...s.matchAll(new RegExp(re.source, re.flags))].length : 1) > realm.limits.maxStringLength;
  if (tooLong) return realm.limitOpaque(`the string grows beyond ${realm.limits.maxStringLength.toLocaleString('en-US')} characters`, site.node);
  return checkString(realm, all ? s.replaceAll(re, r) : s.replace(re, r), site.node);
}

/**
 * `re.test(s)` with a regular expression literal that is not global: stateless (it neither reads nor
 * writes `lastIndex`, which no code changed: a write to the object makes it unknown). A global or
 * sticky one starts where its last match ended, so `test` on it stays unknown.
 */
export const regExpTest = methodFn('RegExp.prototype.test', (realm, thisValue, args, site) => {
  if (!(thisValue instanceof RegExpOpaque)) return realm.opaque(`${realm.text(site.node)} is not modelled by the analysis`, site.node, reachOf([thisValue, ...args]));
  if (thisValue.pattern?.flags.includes('g')) return realm.opaque(`${realm.text(site.node)} uses a global regular expression (/g), whose test depends on its lastIndex`, site.node);
  const subject = realm.toStr(args[0], site.node);
  if (subject instanceof Opaque) return subject;
  const re = regExpFor(realm, thisValue, subject, site.node);
  return re instanceof RegExp ? re.test(subject) : re!;
});

/** `s.split(re, limit)` with a regular expression literal. */
export function splitWithRegExp(realm: Realm, s: string, separator: RegExpOpaque, limit: Value, site: CallSite): Value {
  if (limit instanceof Opaque) return new Opaque(limit.unknown);
  if (limit !== undefined && !isPrimitive(limit)) return realm.opaque(`${realm.text(site.node)} is not modelled by the analysis`, site.node);
  const re = regExpFor(realm, separator, s, site.node);
  if (!(re instanceof RegExp)) return re ?? separator;
  let parts: string[];
  try {
    parts = s.split(re, limit as number | undefined);
  } catch (e) {
    nativeError(realm, e, site.node);
  }
  return newArray(realm, parts, site.node);
}

/** `s.match(re)` for a global literal (an array of the matched strings, or null) and `s.search(re)`. */
export function matchWithRegExp(realm: Realm, s: string, pattern: Value, kind: 'match' | 'search', site: CallSite): Value {
  const re = regExpFor(realm, pattern, s, site.node);
  if (re === undefined) return realm.opaque(`${realm.text(site.node)} with a pattern that is not a regular expression literal is not modelled by the analysis`, site.node);
  if (!(re instanceof RegExp)) return re;
  if (kind === 'search') return s.search(re);
  if (!re.global) return realm.opaque(`${realm.text(site.node)} without /g gives a match object (index, input, groups), which the analysis does not model`, site.node);
  const found = s.match(re);
  return found === null ? null : newArray(realm, [...found], site.node);
}
