/**
 * Regular expression literals as the pattern of string methods (`s.replace(/_/g, '-')`,
 * `s.split(/\s+/)`, `s.match(/v(\d+)/)`) and in `re.test(s)` and `re.exec(s)`, applied natively: the engine here is V8's, the one the
 * module runs on, so a match here is the match there. Written by hand because no library evaluates JavaScript regular expressions
 * other than the engine itself; what is decided here is only *when* it is safe to ask the engine:
 *
 * - only where the result cannot depend on state the analysis does not follow: each use matches with
 *   a fresh copy of the literal (replace and match with /g, and search, reset `lastIndex`; split, a
 *   non-global replace, match and exec do not use it; test and exec with /g do, and are unknown), never
 *   a sticky (/y) one, and never once code may have changed the object (see {@link RegExpOpaque}); a
 *   match without /g is a {@link MatchArrayValue};
 * - only where matching cannot take long: the engine backtracks, so a pattern with a quantified group
 *   that itself repeats or alternates (`(a+)+`, `(a|a)*`), a backreference, more than two unbounded
 *   quantifiers (counting as one all those that give back cheaply: {@link givesBackCheaply}), or bounded
 *   choices that multiply beyond {@link MAX_CHOICES} (`a?a?…`, `(a|b)(a|b)…`) stays unknown, and the text
 *   it may be matched against is bounded by how many unbounded quantifiers it has (the language server
 *   must never hang on any text).
 */
import type ts from 'typescript';
import { ArrayValue, IteratorValue, MatchArrayValue, Opaque, RegExpOpaque, isPrimitive, reachOf, type CallSite, type Realm, type Value } from '../values';
import { nativeError } from './coercion';
import { callbackSite, checkString, isCallable, newArray, methodFn } from './support';

/** The longest text a pattern with 0, 1 or 2 unbounded quantifiers is matched against (about n^(q+1) steps at worst). */
const MAX_SUBJECT = [100_000, 2_000, 200] as const;

export function regExpLiteral(realm: Realm, node: ts.RegularExpressionLiteral): RegExpOpaque {
  const text = node.text;
  const slash = text.lastIndexOf('/');
  const source = text.slice(1, slash);
  const flags = text.slice(slash + 1);
  let pattern: RegExpOpaque['known'];
  try {
    new RegExp(source, flags);
    pattern = { source, flags };
  } catch {
    pattern = undefined; // a syntax error the parser reports; the module fails where it is evaluated
  }
  const why = realm.opaque('a regular expression is followed only as the pattern of replace, replaceAll, split, search and match, and in test and exec (without /g)', node).unknown;
  return new RegExpOpaque(why, pattern, realm.havocEpoch);
}

/**
 * How much backtracking `source` may do: the number of unbounded quantifiers (`*`, `+`, `{n,}`), or
 * `unsafe` for what can take exponential time or is not scanned here.
 */
export function backtrackingRisk(source: string, flags: string): number | 'unsafe' {
  if (flags.includes('v')) return 'unsafe'; // nested classes and set operations: not scanned
  const frames: { quantified: boolean; alternatives: number }[] = [{ quantified: false, alternatives: 1 }];
  let unbounded = 0;
  let i = 0;
  /** Unbounded quantifiers that cannot backtrack for long (see {@link givesBackCheaply}). */
  let cheap = 0;
  /**
   * How many ways the bounded choices may combine: an optional atom or group (`a?`, `(…)?`), a counted
   * range (`{1,3}`), a group's alternatives. Each multiplies the ways to try (`a?a?…aa…a` and
   * `(a|a)(a|a)…` take 2^n steps without any unbounded quantifier), unless it gives back cheaply.
   */
  let choices = 1;
  /**
   * After an atom: a quantifier, if any; `atomRepeats` says the atom already repeats or alternates;
   * `atomStart` is where a single-character atom (a character, an escape, a class) starts.
   */
  const quantifier = (atomRepeats: boolean, atomStart?: number): boolean => {
    const atomEnd = i;
    const c = source[i];
    let isUnbounded = false;
    /** For a bounded quantifier: how many counts it may take. */
    let ways = 1;
    if (c === '*' || c === '+') {
      isUnbounded = true;
      i++;
    } else if (c === '?') {
      ways = 2;
      i++;
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
      if (!m) return true; // a literal `{` outside /u: an atom of its own, already stepped over by the caller
      isUnbounded = m[2] !== undefined && m[3] === '';
      if (!isUnbounded && m[2] !== undefined) ways = Math.max(1, Number(m[3]) - Number(m[1]) + 1);
      i += m[0].length;
    } else {
      return true;
    }
    if (source[i] === '?') i++; // lazy
    // A group that repeats or alternates may be optional (taken once or not), never repeated.
    if (atomRepeats && (isUnbounded || c === '{' || ways > 2)) throw UNSAFE;
    const gaveBackCheaply = () => atomStart !== undefined && givesBackCheaply(source, flags, source.slice(atomStart, atomEnd), i);
    if (isUnbounded && gaveBackCheaply()) cheap++;
    else if (isUnbounded) unbounded++;
    else if (ways > 1 && !gaveBackCheaply()) choices = Math.min(choices * ways, MAX_CHOICES + 1);
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
        const length = escapeLength(source, i, flags.includes('u'));
        if (length === undefined) return 'unsafe';
        i += length;
        quantifier(false, start);
      } else if (c === '[') {
        const start = i;
        i++;
        while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
        if (i >= source.length) return 'unsafe';
        i++;
        quantifier(false, start);
      } else if (c === '(') {
        frames.push({ quantified: false, alternatives: 1 });
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
        const repeats = frame.quantified || frame.alternatives > 1;
        choices = Math.min(choices * frame.alternatives, MAX_CHOICES + 1);
        quantifier(repeats);
        // What repeats inside a group repeats inside the group around it too.
        if (repeats) frames[frames.length - 1]!.quantified = true;
      } else if (c === '|') {
        // Alternatives of the whole pattern are tried one after the other: they add, not multiply.
        frames[frames.length - 1]!.alternatives++;
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
  // Alternatives of the whole pattern are tried one after the other at each place: beyond a few, their
  // number multiplies the work as choices do (`\d+x0|\d+x1|…`).
  if (frames[0]!.alternatives > 4) choices *= frames[0]!.alternatives;
  if (choices > MAX_CHOICES) return 'unsafe';
  // Those that give back cheaply add one scan of the text each time they are reached, not a factor;
  // bounded choices multiply the work by at most MAX_CHOICES, which counts as one more quantifier
  // (the text allowed shrinks enough to pay for it: see MAX_SUBJECT).
  const risk = unbounded + (cheap > 0 ? 1 : 0) + (choices > 1 ? 1 : 0);
  return risk > 2 ? 'unsafe' : risk;
}

/**
 * How many characters of `source` the escape at `i` spans (`\x61`, `\u0061`, `\u{61}` with /u,
 * `\cA`, `\p{L}`, legacy octal `\012`); undefined for one not scanned here (a surrogate half given
 * as `\uD83D` with /u, whose pair makes one character; `\c` without a letter).
 */
function escapeLength(source: string, i: number, unicode: boolean): number | undefined {
  const next = source[i + 1];
  const hex = (n: number) => new RegExp(`^[0-9a-fA-F]{${n}}$`).test(source.slice(i + 2, i + 2 + n));
  switch (next) {
    case 'x':
      return hex(2) ? 4 : 2;
    case 'u': {
      if (unicode && source[i + 2] === '{') {
        const end = source.indexOf('}', i + 3);
        return end < 0 ? undefined : end + 1 - i;
      }
      if (!hex(4)) return 2;
      const code = Number.parseInt(source.slice(i + 2, i + 6), 16);
      return unicode && code >= 0xd800 && code <= 0xdbff ? undefined : 6;
    }
    case 'c':
      return /[a-zA-Z]/.test(source[i + 2] ?? '') ? 3 : undefined;
    case 'p':
    case 'P': {
      if (!unicode || source[i + 2] !== '{') return 2;
      const end = source.indexOf('}', i + 3);
      return end < 0 ? undefined : end + 1 - i;
    }
    case '0': {
      if (unicode) return 2;
      let n = 2;
      while (n < 4 && /[0-7]/.test(source[i + n] ?? '')) n++;
      return n;
    }
    default:
      return 2;
  }
}

/** The most ways bounded choices may combine in a pattern the analysis matches. */
const MAX_CHOICES = 64;

/**
 * Whether a single-character atom repeated without bound (`\d+` in `(\d+)\.(\d+)`) can only give
 * back characters that fail at once: when what must match next (after the groups that close there)
 * is a character the atom cannot match, or the end of the pattern. Then of all the lengths it may
 * take, only the longest (or, lazy, the first that reaches that character) goes on: giving one back
 * costs one comparison, and the quantifier adds a scan of the text rather than multiplying the work
 * of the rest of the pattern. Whether the atom matches the character is asked of the engine itself.
 */
function givesBackCheaply(source: string, flags: string, atom: string, after: number): boolean {
  // In a lookbehind the pattern is matched backwards: what follows in the source comes before.
  if (source.includes('(?<=') || source.includes('(?<!')) return false;
  const next = nextCharacters(source, flags, after, 0);
  if (!next) return false;
  let single: RegExp;
  try {
    // (Flags filtered without a regular expression: nothing here may depend on RegExp's own methods.)
    single = new RegExp(`^(?:${atom})$`, [...flags].filter((f) => !'gyd'.includes(f)).join(''));
  } catch {
    return false;
  }
  return next.every((ch) => ch === END || single.exec(ch) === null);
}

/** The end of the pattern, among {@link nextCharacters}. */
const END = '';

/**
 * The characters the pattern may have to match first from `j` on ({@link END}: it may end there), or
 * undefined where that is not worked out here (a class, `.`, an escape of a letter, a repeated group).
 */
function nextCharacters(source: string, flags: string, j: number, depth: number): string[] | undefined {
  if (depth > 8) return undefined;
  if (j === source.length) return [END];
  const c = source[j]!;
  if (c === '$') return j + 1 === source.length && !flags.includes('m') ? [END] : undefined;
  if (c === ')') {
    // A group ends: what follows it, unless it may go round again.
    const q = source[j + 1];
    if (q === '?') return nextCharacters(source, flags, j + (source[j + 2] === '?' ? 3 : 2), depth + 1);
    return q === '*' || q === '+' || q === '{' ? undefined : nextCharacters(source, flags, j + 1, depth + 1);
  }
  if (c === '(') {
    let body = j + 1;
    if (source[body] === '?') {
      if (source[body + 1] === ':') body += 2;
      else if (source[body + 1] === '<' && source[body + 2] !== '=' && source[body + 2] !== '!') body = source.indexOf('>', body) + 1;
      else return undefined; // a lookaround
      if (body === 0) return undefined;
    }
    const group = alternativesOf(source, body);
    if (!group) return undefined;
    const q = source[group.end + 1];
    if (q === '*' || q === '+' || q === '{') return undefined;
    const out: string[] = [];
    // An empty alternative, or the group left out (`?`): what follows the group.
    const afterGroup = () => nextCharacters(source, flags, group.end, depth + 1);
    for (const start of group.starts) {
      const first = source[start] === '|' || source[start] === ')' ? afterGroup() : nextCharacters(source, flags, start, depth + 1);
      if (!first) return undefined;
      out.push(...first);
    }
    if (q === '?') {
      const skipped = afterGroup();
      if (!skipped) return undefined;
      out.push(...skipped);
    }
    return out;
  }
  let ch: string;
  let k: number;
  if (c === '\\' && /^[^\p{L}\p{N}_\s]$/u.test(source[j + 1] ?? '')) {
    ch = source[j + 1]!;
    k = j + 2;
  } else if (!/[\\^$.|?*+()[\]{}]/.test(c)) {
    ch = c;
    k = j + 1;
  } else {
    return undefined;
  }
  if (/[\ud800-\udfff]/.test(ch)) return undefined; // half of a character
  const q = source[k];
  if (q === '{') return undefined;
  if (q === '?' || q === '*') {
    // Optional: this character, or what follows it.
    const rest = nextCharacters(source, flags, k + (source[k + 1] === '?' ? 2 : 1), depth + 1);
    return rest && [ch, ...rest];
  }
  return [ch];
}

/** The group whose body starts at `body`: where each alternative starts, and its closing `)`. */
function alternativesOf(source: string, body: number): { starts: number[]; end: number } | undefined {
  const starts = [body];
  let nesting = 0;
  for (let i = body; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (c === '[') {
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
    } else if (c === '(') nesting++;
    else if (c === ')') {
      if (nesting === 0) return { starts, end: i };
      nesting--;
    } else if (c === '|' && nesting === 0) starts.push(i + 1);
  }
  return undefined;
}

const UNSAFE = Symbol('unsafe');

/**
 * A fresh native RegExp for matching `subject` with the literal `value`, or the unknown that says why
 * not; `undefined` when `value` is not a regular expression literal's object.
 */
export function regExpFor(realm: Realm, value: Value, subject: string, node: ts.Node): RegExp | Opaque | undefined {
  if (!(value instanceof RegExpOpaque)) return undefined;
  if (realm.builtinsPatched) return new Opaque(realm.builtinsPatched);
  const pattern = value.knownIn(realm);
  if (!pattern) {
    return realm.opaque(`${realm.text(node)} uses a regular expression that code the analysis does not follow may have changed`, node);
  }
  const { source, flags } = pattern;
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
  const re = regExpWithoutState(realm, thisValue, args, site, 'test');
  return re instanceof Opaque ? re : re.regExp.test(re.subject);
});

/** `re.exec(s)` without /g: the match (see {@link MatchArrayValue}) or null. */
export const regExpExec = methodFn('RegExp.prototype.exec', (realm, thisValue, args, site) => {
  const re = regExpWithoutState(realm, thisValue, args, site, 'exec');
  return re instanceof Opaque ? re : matchArray(realm, re.regExp.exec(re.subject), site.node);
});

/**
 * For `test` and `exec` on a literal: the native RegExp and the subject (converted as JS converts it),
 * when the result cannot depend on `lastIndex` (no /g; /y is refused by {@link regExpFor}).
 */
function regExpWithoutState(realm: Realm, thisValue: Value, args: readonly Value[], site: CallSite, method: string): { regExp: RegExp; subject: string } | Opaque {
  if (!(thisValue instanceof RegExpOpaque)) return realm.opaque(`${realm.text(site.node)} is not modelled by the analysis`, site.node, reachOf([thisValue, ...args]));
  if (thisValue.known?.flags.includes('g')) return realm.opaque(`${realm.text(site.node)} uses a global regular expression (/g), whose ${method} depends on its lastIndex`, site.node);
  const subject = realm.toStr(args[0], site.node);
  if (subject instanceof Opaque) return subject;
  const re = regExpFor(realm, thisValue, subject, site.node);
  return re instanceof RegExp ? { regExp: re, subject } : re!;
}

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

/**
 * `s.match(re)` (with /g an array of the matched strings, else one match: {@link matchArray}; or null),
 * `s.search(re)`, and `s.matchAll(re)`: an iterator over the matches, each as `exec` gives it. The
 * matches are worked out at once, which is what iterating gives (the subject and the fresh copy of the
 * literal cannot change meanwhile); the iterator itself is an array iterator over them.
 */
export function matchWithRegExp(realm: Realm, s: string, pattern: Value, kind: 'match' | 'search' | 'matchAll', site: CallSite): Value {
  const re = regExpFor(realm, pattern, s, site.node);
  if (re === undefined) return realm.opaque(`${realm.text(site.node)} with a pattern that is not a regular expression literal is not modelled by the analysis`, site.node);
  if (!(re instanceof RegExp)) return re;
  if (kind === 'search') return s.search(re);
  if (kind === 'matchAll') {
    if (!re.global) realm.throwError('String.prototype.matchAll called with a non-global RegExp argument', site.node);
    const matches: Value[] = [];
    for (const found of s.matchAll(re)) {
      const m = matchArray(realm, found, site.node);
      if (m instanceof Opaque) return m;
      matches.push(m);
    }
    const all = newArray(realm, matches, site.node);
    return all instanceof ArrayValue ? new IteratorValue(all, 'values') : all;
  }
  if (!re.global) return matchArray(realm, re.exec(s), site.node);
  const found = s.match(re);
  return found === null ? null : newArray(realm, [...found], site.node);
}

/** A match of a pattern without /g as the module sees it (see {@link MatchArrayValue}), or null. */
function matchArray(realm: Realm, found: RegExpExecArray | null, node: ts.Node): Value {
  if (found === null) return null;
  // With /d a match has `indices` too (an array of pairs, with its own `groups`): not modelled.
  if ('indices' in found) return realm.opaque(`${realm.text(node)} gives match indices (/d), which the analysis does not model`, node);
  const range = realm.range(node);
  const groups = found.groups === undefined ? undefined : realm.opaque(`the named groups of ${realm.text(node)} (an object without a prototype) are not modelled by the analysis`, node);
  return new MatchArrayValue([...found].map((value) => ({ value, range })), found.index, found.input, groups);
}
