/**
 * Node's `crypto`, as far as a pipeline derives a version or code tag from content:
 * `createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 12)`. The digest is
 * Node's own, over what Node would hash: each `update` string in its encoding (UTF-8 by default),
 * replayed natively at `digest`, so encodings, lone surrogates and errors are Node's; a file's Buffer
 * as `readFileSync` gave it (see `BytesOpaque`) is its text in UTF-8. A digest as a Buffer, another
 * Buffer, `copy()`, streaming, HMACs and the rest of the module are unknown.
 */
import { createHash as nativeCreateHash } from 'node:crypto';
import type ts from 'typescript';
import { UnknownValue } from '../types';
import { bytesOf, NamespaceValue, ObjectValue, Opaque, privateStoreOf, quietOpaque, reachOf, type Realm, type Value } from '../values';
import { nativeError } from './coercion';
import { fn, methodFn } from './support';

/**
 * A `Hash` made by `createHash`: an object whose own property (`_options`, Node's) is not followed,
 * and whose methods come from Hash's prototype ({@link hashProperty}). What it has been given
 * is kept in its private store (see `privateStoreOf`), so speculative branches, merges, escape and
 * taint treat it as they treat an object's properties.
 */
export class HashObject extends ObjectValue {}

/** The private store's keys: `#`-less, so they never meet a class's private names. */
const ALGORITHM = 'crypto.algorithm';
/** The `update` calls so far, as JSON `[[data, encoding | null], …]`, or an unknown. */
const UPDATES = 'crypto.updates';
/** Whether `digest` was called (a second call, or an update after it, throws). */
const DIGESTED = 'crypto.digested';

type Update = [data: string, encoding: string | null];

/** Node's Hash, with its arguments as the module gives them (Node checks them itself). */
interface NativeHash {
  update(data: string, encoding?: string): NativeHash;
  digest(encoding: string): unknown;
}
const nativeHash = (algorithm: string) => nativeCreateHash(algorithm) as unknown as NativeHash;

/** The hash `thisValue` is, with its state, or why it is not known. */
function stateOf(realm: Realm, thisValue: Value, node: ts.Node): { store: ObjectValue; algorithm: string; updates: Update[]; digested: boolean } | Opaque {
  if (thisValue instanceof Opaque) return thisValue;
  const store = thisValue instanceof HashObject ? privateStoreOf(thisValue, false) : undefined;
  if (!(thisValue instanceof HashObject) || !store) return realm.opaque(`${realm.text(node)} is called on something other than a Hash createHash made, which the analysis does not model`, node, reachOf([thisValue]));
  const tainted = thisValue.tainted ?? store.tainted;
  if (tainted) return new Opaque(tainted, [thisValue]);
  const [algorithm, updates, digested] = [ALGORITHM, UPDATES, DIGESTED].map((k) => store.props.get(k)?.value);
  for (const v of [algorithm, updates, digested]) if (v instanceof Opaque) return new Opaque(v.unknown, [thisValue]);
  if (typeof algorithm !== 'string' || typeof updates !== 'string' || typeof digested !== 'boolean') return realm.opaque(`${realm.text(node)}: the Hash's state is not known`, node, [thisValue]);
  return { store, algorithm, updates: JSON.parse(updates) as Update[], digested };
}

function setState(realm: Realm, store: ObjectValue, key: string, value: Value, node: ts.Node): void {
  realm.touch(store);
  store.props.set(key, { value, range: realm.range(node) });
}

const FINALIZED = 'Error: Digest already called';

const update = methodFn('Hash.prototype.update', (realm, thisValue, args, site) => {
  const state = stateOf(realm, thisValue, site.node);
  if (state instanceof Opaque) return new Opaque(state.unknown, reachOf([thisValue, ...args]));
  if (state.digested) realm.throwError(FINALIZED, site.node);
  const [given, givenEncoding] = args;
  // A Buffer readFileSync gave: its bytes are its text's UTF-8 (Node ignores an encoding given with a Buffer).
  const bytes = bytesOf(realm, given);
  const [data, encoding] = bytes !== undefined && givenEncoding === undefined ? [bytes, 'utf8'] : [given, givenEncoding];
  const unknownData = data instanceof Opaque ? data : encoding instanceof Opaque ? encoding : undefined;
  if (unknownData || typeof data !== 'string' || (encoding !== undefined && typeof encoding !== 'string')) {
    // What it hashes is not known (or is a Buffer, not modelled): so is every digest of it.
    realm.mayThrow();
    const why = unknownData ?? realm.opaque(`${realm.text(site.node)} hashes something other than a string, which the analysis does not model`, site.node);
    setState(realm, state.store, UPDATES, new Opaque(why.unknown), site.node);
    return thisValue;
  }
  // Node's own checks (an encoding it does not know), on a scratch hash.
  try {
    nativeHash(state.algorithm).update(data, encoding);
  } catch (e) {
    nativeError(realm, e, site.node);
  }
  realm.charge(data.length >> 6, site.node);
  setState(realm, state.store, UPDATES, JSON.stringify([...state.updates, [data, encoding ?? null]]), site.node);
  return thisValue;
});

const digest = methodFn('Hash.prototype.digest', (realm, thisValue, args, site) => {
  const state = stateOf(realm, thisValue, site.node);
  if (state instanceof Opaque) return new Opaque(state.unknown, reachOf([thisValue, ...args]));
  if (state.digested) realm.throwError(FINALIZED, site.node);
  setState(realm, state.store, DIGESTED, true, site.node);
  const [encoding] = args;
  if (encoding instanceof Opaque) return new Opaque(encoding.unknown, reachOf(args));
  if (typeof encoding !== 'string') return realm.opaque(`${realm.text(site.node)} gives a Buffer, which the analysis does not model`, site.node);
  const native = nativeHash(state.algorithm);
  for (const [data, enc] of state.updates) native.update(data, enc ?? undefined);
  let out: unknown;
  try {
    out = native.digest(encoding);
  } catch (e) {
    nativeError(realm, e, site.node);
  }
  return typeof out === 'string' ? out : realm.opaque(`${realm.text(site.node)} gives a Buffer, which the analysis does not model`, site.node);
});

/**
 * A property of a Hash: `update` and `digest`; anything else of Hash's prototype (`copy`, the stream
 * methods) is unknown, and calling it may change the hash. Undefined for what is not Hash's own
 * (`Object.prototype`'s members are an object's).
 */
export function hashProperty(realm: Realm, hash: HashObject, key: string, node: ts.Node): Value {
  if (key === 'update') return update;
  if (key === 'digest') return digest;
  if (HASH_MEMBERS.has(key)) {
    const why = realm.opaque(`${realm.text(node)} is not modelled by the analysis`, node, [hash]);
    realm.escape(hash, why.unknown);
    return why;
  }
  return undefined;
}

/** Every member a real Hash has through its prototypes below `Object.prototype` (the stream's, the event emitter's). */
const HASH_MEMBERS: ReadonlySet<string> = (() => {
  const names = new Set<string>();
  for (let p = Object.getPrototypeOf(nativeCreateHash('sha256')) as object | null; p && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    for (const name of Object.getOwnPropertyNames(p)) names.add(name);
  }
  return names;
})();

const createHash = fn('crypto.createHash', (realm, _this, args, site) => {
  const [algorithm, options] = args;
  if (algorithm instanceof Opaque) return new Opaque(algorithm.unknown, reachOf(args));
  if (typeof algorithm !== 'string' || options !== undefined) return realm.opaque(`${realm.text(site.node)} is not modelled by the analysis (the algorithm must be a string, with no options)`, site.node, reachOf(args));
  try {
    nativeCreateHash(algorithm);
  } catch (e) {
    nativeError(realm, e, site.node);
  }
  const hash = new HashObject();
  const range = realm.range(site.node);
  // A real Hash has an own enumerable `_options` (and symbol-keyed internals): what lists or copies
  // it sees them, so its value is not followed (a copy in a spec is then unknown, never an ID). A
  // placeholder, not an operation on unknown data: quiet, so a `try` around createHash stays followed.
  const internals = quietOpaque(new UnknownValue(`the internals of ${realm.text(site.node)} are not modelled by the analysis`, range));
  hash.props.set('_options', { value: internals, range, accessor: true });
  const store = privateStoreOf(hash, true)!;
  store.props.set(ALGORITHM, { value: algorithm, range });
  store.props.set(UPDATES, { value: '[]', range });
  store.props.set(DIGESTED, { value: false, range });
  return hash;
});

const cryptoModule = new NamespaceValue('crypto', new Map<string, Value>([['createHash', createHash]]));

/** `crypto` and `node:crypto`: the module (default, `import c = require`) and what `import * as c` gives. */
export const CRYPTO_MODULE = { module: cryptoModule, namespace: new NamespaceValue('crypto', new Map<string, Value>([['createHash', createHash], ['default', cryptoModule]])) };
