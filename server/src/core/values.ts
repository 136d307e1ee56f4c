/**
 * The values a task spec or DAG meta may hold, and the check that keeps everything else out.
 *
 * Bencode (BEP-3) has byte strings, integers, lists and dicts, nothing more. JavaScript has many more
 * kinds of value, and several of them look harmless but would change (or lose) data on the way to
 * bytes: floats, `null`, `undefined`, dates, class instances. An output ID computed from a silently
 * altered value is a wrong output ID, so every such value is an error that names where it is.
 */

/** A value that bencodes exactly. Integers are `number` (safe integers only) or `bigint`. */
export type BencodeValue =
  | string
  | number
  | bigint
  | boolean
  | Uint8Array
  | readonly BencodeValue[]
  | { readonly [key: string]: BencodeValue };

export type BencodeDict = { readonly [key: string]: BencodeValue };

/** One step of a path into a value: a dict key or a list index. */
export type PathSegment = string | number;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Formats a path the way a user would write the access in TypeScript: `spec.env.HOME`, `spec.args[2]`, `spec["a-b"]`. */
export function formatPath(root: string, path: readonly PathSegment[]): string {
  let out = root;
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Why a value cannot be bencoded: where it is, what it is, and what to write instead. */
export interface ValueProblem {
  readonly path: readonly PathSegment[];
  /** The value as the user would recognise it, e.g. `0.25`, `null`, `a Date`. */
  readonly shown: string;
  /** Completes "… but bencode …" and says what to use instead. */
  readonly reason: string;
}

/** Stops a pathological value (deeply nested, or huge) from tying up the checker. */
const MAX_DEPTH = 200;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** True when `s` is well-formed UTF-16, so that its UTF-8 encoding is exact (no lone surrogates). */
export function isWellFormedString(s: string): boolean {
  // String.prototype.isWellFormed is native in Node 20+ (fast); the scan is the fallback for older hosts.
  const f = (s as { isWellFormed?: () => boolean }).isWellFormed;
  return f ? f.call(s) : firstLoneSurrogate(s) < 0;
}

function describeObject(value: object): string {
  const proto = Object.getPrototypeOf(value);
  const name = proto && typeof proto.constructor === 'function' ? proto.constructor.name : '';
  if (value instanceof Date) return 'a Date';
  if (name) return `an instance of ${name}`;
  return 'an object with a custom prototype';
}

function firstLoneSurrogate(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { i++; continue; }
      return i;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return i;
  }
  return -1;
}

/**
 * Checks that `value` bencodes exactly. Returns every problem found (capped at `limit`), each with its
 * path below the value. An empty list means the value is a {@link BencodeValue}.
 */
export function checkValue(value: unknown, limit = 20): ValueProblem[] {
  const problems: ValueProblem[] = [];
  const path: PathSegment[] = [];
  const active = new Set<object>();

  const report = (shown: string, reason: string) => {
    problems.push({ path: path.slice(), shown, reason });
  };

  const visit = (v: unknown, depth: number): void => {
    if (problems.length >= limit) return;
    switch (typeof v) {
      case 'string': {
        const at = firstLoneSurrogate(v);
        if (at >= 0) {
          report(JSON.stringify(v), `it holds a lone UTF-16 surrogate at index ${at}, which has no UTF-8 encoding (fix the string)`);
        }
        return;
      }
      case 'bigint':
      case 'boolean':
        return;
      case 'number':
        if (Number.isNaN(v)) report('NaN', 'bencode has no NaN (use a string)');
        else if (!Number.isFinite(v)) report(String(v), 'bencode has no infinities (use a string)');
        else if (!Number.isInteger(v)) report(String(v), 'bencode has no floats (use an integer or a string)');
        else if (!Number.isSafeInteger(v)) {
          report(String(v), 'it is beyond 2^53, where JavaScript numbers are not exact (write it as a bigint literal such as 9007199254740993n, or as a string)');
        }
        return;
      case 'undefined':
        report('undefined', 'bencode has no undefined (leave the key out)');
        return;
      case 'function':
        report('a function', 'bencode has only strings, integers, lists and dicts (call it, or describe it in a string)');
        return;
      case 'symbol':
        report(String(v), 'bencode has no symbols (use a string)');
        return;
      case 'object':
        break;
    }
    if (v === null) {
      report('null', 'bencode has no null (leave the key out, or use a string)');
      return;
    }
    const obj = v as object;
    if (obj instanceof Uint8Array) return;
    if (depth >= MAX_DEPTH) {
      report('nested too deeply', `more than ${MAX_DEPTH} levels of lists and dicts are not supported`);
      return;
    }
    if (active.has(obj)) {
      report('a reference to itself', 'a value that contains itself has no finite encoding');
      return;
    }
    if (Array.isArray(obj)) {
      active.add(obj);
      for (let i = 0; i < obj.length && problems.length < limit; i++) {
        path.push(i);
        // A hole in a sparse array reads as undefined and is reported as such.
        visit(obj[i], depth + 1);
        path.pop();
      }
      active.delete(obj);
      return;
    }
    if (!isPlainObject(obj)) {
      const shown = describeObject(obj);
      const hint = obj instanceof Date ? 'use an ISO string, e.g. date.toISOString()' : 'use a plain object, a list or a string';
      report(shown, `bencode has only strings, integers, lists and dicts (${hint})`);
      return;
    }
    if (Object.getOwnPropertySymbols(obj).length > 0) {
      report('an object with symbol keys', 'bencode dict keys are strings (use string keys)');
      return;
    }
    active.add(obj);
    for (const key of Object.keys(obj)) {
      if (problems.length >= limit) break;
      path.push(key);
      if (firstLoneSurrogate(key) >= 0) {
        report(JSON.stringify(key), 'this key holds a lone UTF-16 surrogate, which has no UTF-8 encoding (fix the key)');
      } else {
        visit((obj as Record<string, unknown>)[key], depth + 1);
      }
      path.pop();
    }
    active.delete(obj);
  };

  visit(value, 0);
  return problems;
}

/**
 * Structural equality of two bencode values as bencode sees them: `5` equals `5n`, and a string equals
 * the byte string of its UTF-8 encoding.
 */
export function valuesEqual(a: BencodeValue, b: BencodeValue): boolean {
  if (a === b) return true;
  const ta = kindOf(a);
  if (ta !== kindOf(b)) return false;
  switch (ta) {
    case 'int':
      return BigInt(a as number | bigint | boolean) === BigInt(b as number | bigint | boolean);
    case 'bytes':
      return bytesEqual(toBytes(a as string | Uint8Array), toBytes(b as string | Uint8Array));
    case 'list': {
      const la = a as readonly BencodeValue[];
      const lb = b as readonly BencodeValue[];
      return la.length === lb.length && la.every((x, i) => valuesEqual(x, lb[i]!));
    }
    case 'dict': {
      const da = a as BencodeDict;
      const db = b as BencodeDict;
      const ka = Object.keys(da);
      if (ka.length !== Object.keys(db).length) return false;
      return ka.every((k) => Object.prototype.hasOwnProperty.call(db, k) && valuesEqual(da[k]!, db[k]!));
    }
  }
}

export type BencodeKind = 'int' | 'bytes' | 'list' | 'dict';

export function kindOf(v: BencodeValue): BencodeKind {
  if (typeof v === 'string' || v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return 'int';
  return Array.isArray(v) ? 'list' : 'dict';
}

const utf8 = new TextEncoder();

export function toBytes(v: string | Uint8Array): Uint8Array {
  return typeof v === 'string' ? utf8.encode(v) : v;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const BIGINT_MARK = '\u0000bigint:';

/** A short, readable rendering of a value for messages, hovers and tables. */
export function showValue(v: BencodeValue, max = 80): string {
  const text = JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === 'bigint') return `${BIGINT_MARK}${x}`;
    if (x instanceof Uint8Array) return `<${x.length} bytes>`;
    return x;
  });
  // Bigints print as plain digits, like the integers they are.
  const shown = (text ?? String(v)).replace(/"\\u0000bigint:(-?\d+)"/g, '$1');
  return shown.length > max ? `${shown.slice(0, max - 1)}…` : shown;
}

/**
 * Both sides of a modified value, each at most `max` characters, cut so that the difference stays in
 * view: two long image tags that differ in their last characters would otherwise print as the same
 * truncated text. The part both share before the first difference is elided (with a little context).
 */
export function showChange(oldValue: BencodeValue, newValue: BencodeValue, max = 40): [string, string] {
  const a = showValue(oldValue, Number.POSITIVE_INFINITY);
  const b = showValue(newValue, Number.POSITIVE_INFINITY);
  if (a.length <= max && b.length <= max) return [a, b];
  let same = 0;
  while (same < a.length && same < b.length && a[same] === b[same]) same++;
  const from = Math.max(0, same - 12);
  const cut = (s: string) => {
    const t = from > 0 ? `…${s.slice(from)}` : s;
    return t.length > max ? `${t.slice(0, max - 1)}…` : t;
  };
  return [cut(a), cut(b)];
}
