/**
 * Promises, as far as a pipeline awaits what it reads: `JSON.parse(await readFile('config.json', 'utf8'))`
 * (`fs/promises`), `const config = await loadConfig()` (an async function of the module's, run through
 * where it is awaited: see `evalAwait` in semantics/expressions.ts), `await Promise.all([…])` of such.
 *
 * Why `await` may take a settled promise's value at once: the analysis runs the module's code in its
 * order, and the only other code that could run while the module waits is code it handed over (a
 * callback given to a timer, to `.then`, to a package), whose effects escape already makes unknown for
 * good. A promise the analysis does not see settle (`fetch(…)`, `new Promise(…)`, an async function
 * called without being awaited there) is unknown, and so is what awaiting it gives.
 */
import type ts from 'typescript';
import { DagState, Opaque, PromiseOpaque, TaskState, isPrimitive, quietUnknown, reachOf, settledOf, type Realm, type Settlement, type Value } from '../values';
import { fn, isCallable, members, newArray } from './support';

/** A promise settled as `settled`, made at `node`. */
export function settledPromise(realm: Realm, settled: Settlement, node: ts.Node): PromiseOpaque {
  const why = quietUnknown(realm, `${realm.text(node)} is a promise, which the analysis follows only into await`, node);
  if (!('rejection' in settled)) return new PromiseOpaque(why, settled, realm.havocEpoch);
  const promise = new PromiseOpaque(why, settled, realm.havocEpoch, realm.unhandledRejections);
  realm.unhandledRejections.add(promise);
  return promise;
}

/**
 * What a promise resolved with `v` settles as, the way JS resolves it: a known promise as it settled; a
 * primitive, or an object whose `then` is not a function, as itself (reading `then` runs a getter, as in
 * JS). Unknown for a thenable (its `then` runs later, not followed) and for an unknown value.
 */
export function resolution(realm: Realm, v: Value, node: ts.Node): Settlement | Opaque {
  // Resolving with a promise gives it a handler.
  if (v instanceof PromiseOpaque) v.handled();
  const settled = settledOf(realm, v);
  if (settled) return settled;
  if (v instanceof Opaque) return new Opaque(v.unknown, reachOf([v]));
  if (isPrimitive(v)) return { value: v };
  // Code the analysis did not follow may have given a Dag or a task a `then`.
  if ((v instanceof DagState || v instanceof TaskState) && v.tainted) return new Opaque(v.tainted, [v]);
  const then = realm.getProperty(v, 'then', node);
  if (then instanceof Opaque || isCallable(then)) {
    const why = then instanceof Opaque ? then.unknown : realm.opaque(`${realm.text(node)} resolves a thenable, whose then the analysis does not follow`, node).unknown;
    realm.escape(v, why);
    realm.escape(then, why);
    return new Opaque(why);
  }
  return { value: v };
}

/** `Promise.resolve(v)` and `Promise.all(values)`, called on `Promise` itself; the rest of `Promise` is unknown. */
const resolve = fn('Promise.resolve', (realm, thisValue, args, site) => {
  const [v] = args;
  if (thisValue !== promiseFn) return realm.opaque(`${realm.text(site.node)} is not modelled by the analysis`, site.node, reachOf([thisValue, ...args]));
  // A promise it is given is returned as it is.
  if (settledOf(realm, v)) return v;
  const r = resolution(realm, v, site.node);
  return r instanceof Opaque ? r : settledPromise(realm, r, site.node);
});

const all = fn('Promise.all', (realm, thisValue, args, site) => {
  if (thisValue !== promiseFn) return realm.opaque(`${realm.text(site.node)} is not modelled by the analysis`, site.node, reachOf([thisValue, ...args]));
  const items = realm.iterate(args[0], site.node);
  if (items instanceof Opaque) return items;
  const values: Value[] = [];
  let rejection: Settlement | undefined;
  for (const item of items) {
    const r = resolution(realm, item, site.node);
    if (r instanceof Opaque) {
      for (const other of items) realm.escape(other, r.unknown);
      return r;
    }
    // Which rejection Node sees first depends on when the reads end; the error is unknown to the module
    // either way (errors are not modelled), so the first one stands for it.
    if ('rejection' in r) rejection ??= r;
    else values.push(r.value);
  }
  return settledPromise(realm, rejection ?? { value: newArray(realm, values, site.node) }, site.node);
});

export const promiseFn = fn('Promise', (realm, _this, _args, site) => realm.throwError("Promise constructor cannot be invoked without 'new'", site.node), {
  members: members([['resolve', resolve], ['all', all]]),
});
