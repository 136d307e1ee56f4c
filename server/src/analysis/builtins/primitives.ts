/** `String`, `Number`, `Boolean`, `BigInt`, and the methods of primitive values, applied natively. */
import type ts from 'typescript';
import {
  ArrayValue,
  BuiltinFunction,
  InstanceValue,
  ObjectValue,
  Opaque,
  RegExpOpaque,
  TemplateStringsValue,
  arrayIndex,
  isPrimitive,
  reachOf,
  truthiness,
  type Primitive,
  type Realm,
  type CallSite,
  type Value,
} from '../values';
import { nativeError, toNumber, toPrimitiveValue } from './coercion';
import { matchWithRegExp, replaceWithRegExp, splitWithRegExp } from './regexps';
import { applyHost, callbackSite, checkString, fn, hostArgs, hostValue, isCallable, members, newArray, pure, methodFn } from './support';

/**
 * `` String.raw`…` ``, as a tag: the template's raw strings with the substitutions between them (each
 * converted as JS does). Called with anything else than a template object it is not followed.
 */
const stringRaw = fn('String.raw', (realm, _this, args, site) => {
  const [strings, ...subs] = args;
  if (!(strings instanceof TemplateStringsValue)) return realm.opaque(`${realm.text(site.node)} is only followed as a tag`, site.node, reachOf(args));
  const raw = strings.raw.items.map((slot) => slot!.value as string);
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    out += raw[i];
    if (i + 1 < raw.length && i < subs.length) {
      const sub = realm.toStr(subs[i], site.node);
      if (sub instanceof Opaque) return new Opaque(sub.unknown, reachOf(subs));
      out += sub;
    }
  }
  return checkString(realm, out, site.node);
});

export const stringFn = fn('String', (realm, _this, args, site) => {
  if (args.length === 0) return '';
  return realm.toStr(args[0], site.node);
}, {
  members: members([
    ['fromCharCode', pure('String.fromCharCode', (...c) => String.fromCharCode(...(c as number[])), true)],
    ['fromCodePoint', pure('String.fromCodePoint', (...c) => String.fromCodePoint(...(c as number[])), true)],
    ['raw', stringRaw],
  ]),
});

export const numberFn = fn('Number', (realm, _this, args, site) => {
  if (args.length === 0) return 0;
  const p = toPrimitiveValue(realm, args[0], site.node, 'number');
  if (p instanceof Opaque) return p;
  return Number(p);
}, {
  members: members([
    ['isInteger', pure('Number.isInteger', (x) => Number.isInteger(x))],
    ['isSafeInteger', pure('Number.isSafeInteger', (x) => Number.isSafeInteger(x))],
    ['isFinite', pure('Number.isFinite', (x) => Number.isFinite(x))],
    ['isNaN', pure('Number.isNaN', (x) => Number.isNaN(x))],
    ['parseInt', pure('Number.parseInt', (s, r) => Number.parseInt(s as string, r as number))],
    ['parseFloat', pure('Number.parseFloat', (s) => Number.parseFloat(s as string))],
    ['MAX_SAFE_INTEGER', Number.MAX_SAFE_INTEGER],
    ['MIN_SAFE_INTEGER', Number.MIN_SAFE_INTEGER],
    ['MAX_VALUE', Number.MAX_VALUE],
    ['MIN_VALUE', Number.MIN_VALUE],
    ['EPSILON', Number.EPSILON],
    ['POSITIVE_INFINITY', Infinity],
    ['NEGATIVE_INFINITY', -Infinity],
    ['NaN', Number.NaN],
  ]),
});

export const booleanFn = fn('Boolean', (_realm, _this, args) => {
  const t = truthiness(args[0]);
  return t === undefined ? new Opaque((args[0] as Opaque).unknown) : t;
});

export const bigintFn = fn('BigInt', (realm, _this, args, site) => {
  const p = toPrimitiveValue(realm, args[0], site.node, 'number');
  if (p instanceof Opaque) return p;
  if (typeof p === 'string' && p.length > 10_000) return realm.limitOpaque('the integer is too long for the analysis', site.node);
  try {
    return BigInt(p as string);
  } catch (e) {
    nativeError(realm, e, site.node);
  }
});

// ───────────────────────────── primitives' methods ─────────────────────────────

/**
 * A primitive's method called on something else (`String.prototype.trim.call(obj)`) or on a value
 * the analysis does not know: unknown. JS converts `this` (its `toString` may run) and the method may
 * call what it is given (a replacement function): the functions among them escape.
 */
function notOnAPrimitive(realm: Realm, thisValue: Value, args: readonly Value[], site: CallSite): Opaque {
  const why = thisValue instanceof Opaque ? thisValue.unknown : realm.opaque(`${realm.text(site.node)} is not modelled by the analysis`, site.node).unknown;
  // Plain unknowns hold nothing that could run; a pattern is not changed by the method.
  for (const v of [thisValue, ...args]) if (!isPrimitive(v) && !(v instanceof Opaque && v.reach.length === 0)) realm.escape(v, why);
  return new Opaque(why);
}

/**
 * A method of a primitive applied natively, its arguments given as {@link hostValue}s (so the native
 * converts them as JS does). `check` sees the first argument already converted by `ToNumber` when
 * `numericFirst` (the native's first conversion, so doing it here first changes nothing).
 */
function nativeMethod(proto: object, type: 'string' | 'number' | 'bigint' | 'boolean', name: string, check?: (realm: Realm, self: Primitive, first: Value, node: ts.Node) => Value | undefined, numericFirst = false): BuiltinFunction {
  const method = (proto as Record<string, (...a: unknown[]) => unknown>)[name]!;
  return methodFn(`${type}.${name}`, (realm, thisValue, args, site) => {
    if (thisValue instanceof Opaque || typeof thisValue !== type) return notOnAPrimitive(realm, thisValue, args, site);
    let given = args;
    if (numericFirst && args.length > 0 && !isPrimitive(args[0])) {
      const n = toNumber(realm, args[0], site.node);
      if (n instanceof Opaque) return new Opaque(n.unknown, reachOf(args));
      given = [n, ...args.slice(1)];
    }
    const host = hostArgs(realm, given, site.node);
    if (host instanceof Opaque) return host;
    const early = check?.(realm, thisValue as Primitive, given[0], site.node);
    if (early !== undefined) return early;
    const r = applyHost(realm, args, site.node, () => method.apply(thisValue, host));
    if (r instanceof Opaque) return r;
    if (typeof r === 'string') return checkString(realm, r, site.node);
    if (Array.isArray(r)) return newArray(realm, r as Primitive[], site.node);
    return r as Primitive;
  });
}

const SIZED = new Set(['repeat', 'padStart', 'padEnd']);

const sizeCheck = (realm: Realm, self: Primitive, first: Value, node: ts.Node, name: string): Value | undefined => {
  const s = self as string;
  let estimate = 0;
  // `first` is primitive here: these methods convert it with ToNumber before anything else.
  if (name === 'repeat') estimate = s.length * Math.max(0, Number(first) || 0);
  else if (name === 'padStart' || name === 'padEnd') estimate = Math.max(s.length, Number(first) || 0);
  if (estimate > realm.limits.maxStringLength) return realm.limitOpaque(`the string grows beyond ${realm.limits.maxStringLength.toLocaleString('en-US')} characters`, node);
  return undefined;
};

/** A plain object or array: it has no Symbol.replace/Symbol.split (the analysis models no symbol keys). */
function plainObject(v: Value): boolean {
  return (v instanceof ObjectValue && !(v instanceof InstanceValue)) || v instanceof ArrayValue;
}

/** `replace`/`replaceAll` with a string pattern (a regular expression literal: see regexps.ts) and a string or function replacement. */
function stringReplace(all: boolean): BuiltinFunction {
  return methodFn(all ? 'string.replaceAll' : 'string.replace', (realm, thisValue, args, site) => {
    const result = replaceOf(realm, thisValue, args, site, all);
    // Not known: a replacement function the analysis did not (or not wholly) call may have run, any number of times.
    if (result instanceof Opaque && isCallable(args[1])) realm.escape(args[1], result.unknown);
    return result;
  });
}

function replaceOf(realm: Realm, thisValue: Value, args: readonly Value[], site: CallSite, all: boolean): Value {
  if (thisValue instanceof Opaque || typeof thisValue !== 'string') return notOnAPrimitive(realm, thisValue, args, site);
  const replacement = args[1];
  let pattern = args[0];
  if (pattern instanceof RegExpOpaque) return replaceWithRegExp(realm, thisValue, pattern, replacement, all, site);
  if (pattern instanceof Opaque) return new Opaque(pattern.unknown, reachOf([replacement]));
  // A pattern without Symbol.replace (a primitive, a plain object or array) is converted by ToString, first.
  if (isPrimitive(pattern) || plainObject(pattern)) {
    const p = realm.toStr(pattern, site.node);
    if (p instanceof Opaque) return new Opaque(p.unknown, reachOf(args));
    pattern = p;
  }
  if (typeof pattern !== 'string') return realm.opaque(`${realm.text(site.node)} with a pattern that is not a string is not modelled by the analysis`, site.node, reachOf(args));
  const s = thisValue;
  if (isCallable(replacement)) {
    const positions: number[] = [];
    if (all) {
      const step = Math.max(pattern.length, 1);
      for (let i = s.indexOf(pattern); i >= 0 && i <= s.length; i = s.indexOf(pattern, i + step)) {
        positions.push(i);
        if (positions.length > realm.limits.maxArrayLength) return realm.limitOpaque('too many replacements for the analysis', site.node);
        if (pattern.length === 0 && i === s.length) break;
      }
    } else {
      const i = s.indexOf(pattern);
      if (i >= 0) positions.push(i);
    }
    let out = '';
    let last = 0;
    for (const i of positions) {
      const r = realm.call(replacement, undefined, [pattern, i, s], callbackSite(site));
      const rs = realm.toStr(r, site.node);
      if (rs instanceof Opaque) return rs;
      out += s.slice(last, i) + rs;
      last = i + pattern.length;
      if (out.length > realm.limits.maxStringLength) return checkString(realm, out, site.node);
    }
    return checkString(realm, out + s.slice(last), site.node);
  }
  const rep = isPrimitive(replacement) ? replacement : realm.toStr(replacement, site.node);
  if (rep instanceof Opaque) return rep;
  const r = String(rep);
  // A generous bound of the result's length before computing it.
  const count = all ? (pattern.length === 0 ? s.length + 1 : s.split(pattern).length - 1) : 1;
  if (s.length + count * r.length * 2 > realm.limits.maxStringLength) return realm.limitOpaque(`the string grows beyond ${realm.limits.maxStringLength.toLocaleString('en-US')} characters`, site.node);
  return all ? s.replaceAll(pattern, r) : s.replace(pattern, r);
}

const stringSplit = fn('string.split', (realm, thisValue, args, site) => {
  if (thisValue instanceof Opaque || typeof thisValue !== 'string') return notOnAPrimitive(realm, thisValue, args, site);
  const [sep, limit] = args;
  if (sep instanceof RegExpOpaque) return splitWithRegExp(realm, thisValue, sep, limit, site);
  if (sep instanceof Opaque || limit instanceof Opaque) return new Opaque((sep instanceof Opaque ? sep : limit as Opaque).unknown);
  // A separator without Symbol.split (a primitive, a plain object or array) is converted by ToString.
  if (!isPrimitive(sep) && !plainObject(sep)) return realm.opaque(`${realm.text(site.node)} with a separator that is not a string is not modelled by the analysis`, site.node);
  realm.charge(thisValue.length, site.node);
  // The native converts the limit (ToUint32, an object's valueOf) and then the separator (ToString), as JS does.
  const hostSep = hostValue(realm, sep, site.node);
  const hostLimit = hostValue(realm, limit, site.node);
  const parts = applyHost(realm, args, site.node, () => thisValue.split(hostSep as string, hostLimit as number | undefined));
  if (parts instanceof Opaque) return parts;
  return newArray(realm, parts, site.node);
});

const STRING_METHODS = new Map<string, BuiltinFunction>();
for (const name of ['at', 'charAt', 'charCodeAt', 'codePointAt', 'concat', 'endsWith', 'includes', 'indexOf', 'lastIndexOf', 'padEnd', 'padStart', 'repeat', 'slice', 'startsWith', 'substring', 'substr', 'toLowerCase', 'toUpperCase', 'trim', 'trimStart', 'trimEnd', 'toString', 'valueOf', 'isWellFormed', 'toWellFormed', 'normalize']) {
  if (typeof (String.prototype as unknown as Record<string, unknown>)[name] !== 'function') continue;
  STRING_METHODS.set(name, nativeMethod(String.prototype, 'string', name, (realm, self, first, node) => sizeCheck(realm, self, first, node, name), SIZED.has(name)));
}
STRING_METHODS.set('replace', stringReplace(false));
STRING_METHODS.set('replaceAll', stringReplace(true));
STRING_METHODS.set('split', stringSplit);
for (const kind of ['match', 'search', 'matchAll'] as const) {
  STRING_METHODS.set(kind, methodFn(`string.${kind}`, (realm, thisValue, args, site) => {
    if (thisValue instanceof Opaque || typeof thisValue !== 'string') return notOnAPrimitive(realm, thisValue, args, site);
    return matchWithRegExp(realm, thisValue, args[0], kind, site);
  }));
}

const NUMBER_METHODS = new Map<string, BuiltinFunction>([
  ['toString', nativeMethod(Number.prototype, 'number', 'toString', (realm, self, radix, node) => {
    // Other radixes are exact only for integers (the spec leaves fractions to the implementation).
    if (radix !== undefined && Math.trunc(Number(radix)) !== 10 && !Number.isInteger(self)) return realm.opaque(`${realm.text(node)} is implementation-defined`, node);
    return undefined;
  }, true)],
  // Exact by the spec (the nearest digits, ties to the larger), so V8's answer is every engine's.
  ['toFixed', nativeMethod(Number.prototype, 'number', 'toFixed')],
  ['toPrecision', nativeMethod(Number.prototype, 'number', 'toPrecision')],
  ['toExponential', nativeMethod(Number.prototype, 'number', 'toExponential')],
  ['valueOf', nativeMethod(Number.prototype, 'number', 'valueOf')],
]);
const BIGINT_METHODS = new Map<string, BuiltinFunction>([
  ['toString', nativeMethod(BigInt.prototype, 'bigint', 'toString')],
  ['valueOf', nativeMethod(BigInt.prototype, 'bigint', 'valueOf')],
]);
const BOOLEAN_METHODS = new Map<string, BuiltinFunction>([
  ['toString', nativeMethod(Boolean.prototype, 'boolean', 'toString')],
  ['valueOf', nativeMethod(Boolean.prototype, 'boolean', 'valueOf')],
]);

export function primitiveProperty(realm: Realm, v: Primitive, key: string, node: ts.Node): Value {
  if (realm.builtinsPatched) return new Opaque(realm.builtinsPatched);
  let methods: ReadonlyMap<string, BuiltinFunction>;
  let proto: object;
  switch (typeof v) {
    case 'string': {
      if (key === 'length') return v.length;
      const i = arrayIndex(key);
      if (i !== undefined) return i < v.length ? v[i] : undefined;
      methods = STRING_METHODS;
      proto = String.prototype;
      break;
    }
    case 'number':
      methods = NUMBER_METHODS;
      proto = Number.prototype;
      break;
    case 'bigint':
      methods = BIGINT_METHODS;
      proto = BigInt.prototype;
      break;
    case 'boolean':
      methods = BOOLEAN_METHODS;
      proto = Boolean.prototype;
      break;
    default:
      return realm.opaque(`${realm.text(node)} is not modelled by the analysis`, node);
  }
  const m = methods.get(key);
  if (m) return m;
  if (key in proto) return realm.chainOpaque({ kind: 'builtin', root: typeof v }, node, 'read');
  return undefined;
}
