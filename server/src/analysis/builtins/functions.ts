/**
 * `Function.prototype.call`, `apply` and `bind` on functions the analysis follows (`fn.call(self, a)`,
 * `Math.max.apply(null, xs)`, `items.map(this.format.bind(this))`): the same call, with `this` and the
 * arguments given. An argument list that is not a known array makes the call unseen code (everything
 * handed to it escapes). A bound function is a built-in that calls its target; what it holds escapes
 * with it (`captures`).
 */
import { ArrayValue, BuiltinFunction, Opaque, type CallSite, type Realm, type Value } from '../values';
import { fn } from './support';

/** The call site as the target sees it: its arguments are those after `this`. */
function shifted(site: CallSite, by: number): CallSite {
  return { node: site.node, args: site.args.slice(by).map((a) => ({ ...a, index: a.index - by })), argumentCount: Math.max(0, site.argumentCount - by) };
}

/**
 * A built-in that uses its `this` (a prototype's method, written for a receiver of its own kind:
 * `[].push.call(o, x)`; `Array.from`, which constructs with it): with a `this` of the caller's choosing
 * it is not followed, and what it is given escapes.
 */
function foreignThis(realm: Realm, target: Value, args: readonly Value[], site: CallSite): Opaque | undefined {
  if (!(target instanceof BuiltinFunction && target.options.method)) return undefined;
  const why = realm.opaque(`${realm.text(site.node)} runs a built-in method with a \`this\` of its choosing, which the analysis does not follow`, site.node).unknown;
  realm.mayThrow();
  for (const v of [target, ...args]) realm.escape(v, why);
  return new Opaque(why);
}

export const functionCall = fn('Function.prototype.call', (realm: Realm, target: Value, args: readonly Value[], site: CallSite) => foreignThis(realm, target, args, site) ?? realm.call(target, args[0], args.slice(1), shifted(site, 1)));

export const functionApply = fn('Function.prototype.apply', (realm: Realm, target: Value, args: readonly Value[], site: CallSite) => {
  const foreign = foreignThis(realm, target, args, site);
  if (foreign) return foreign;
  const list = args[1];
  if (list === undefined || list === null) return realm.call(target, args[0], [], shifted(site, site.argumentCount));
  if (list instanceof ArrayValue && !list.tainted) {
    // Holes are passed as undefined, as CreateListFromArrayLike reads them.
    const values = list.items.map((s) => s?.value);
    return realm.call(target, args[0], values, { node: site.node, args: [], argumentCount: values.length });
  }
  // An unknown list, or an array-like object: the function runs with arguments the analysis does not
  // know, so it and everything handed to it escape.
  const why = list instanceof Opaque ? list.unknown : list instanceof ArrayValue && list.tainted ? list.tainted : realm.opaque(`${realm.text(site.node)} passes an argument list that is not an array, which the analysis does not follow`, site.node).unknown;
  realm.mayThrow();
  for (const v of [target, ...args]) realm.escape(v, why);
  return new Opaque(why);
});

export const functionBind = fn('Function.prototype.bind', (realm: Realm, target: Value, args: readonly Value[], site: CallSite) => {
  const foreign = foreignThis(realm, target, args, site);
  if (foreign) return foreign;
  const boundThis = args[0];
  const boundArgs = args.slice(1);
  const name = target instanceof BuiltinFunction ? target.name : 'function';
  return new BuiltinFunction(`bound ${name}`, (r, _this, more, callSite) => r.call(target, boundThis, [...boundArgs, ...more], {
    node: callSite.node,
    // The bound arguments come first; they have no place in this call's syntax.
    args: [...boundArgs.map((_, index) => ({ node: undefined, index, spread: false })), ...callSite.args.map((a) => ({ ...a, index: a.index + boundArgs.length }))],
    argumentCount: callSite.argumentCount + boundArgs.length,
  }), { captures: [target, boundThis, ...boundArgs] });
});

/** `call`, `apply` and `bind`, for a function value that has no own property of that name. */
export function functionMethod(key: string): Value | undefined {
  return key === 'call' ? functionCall : key === 'apply' ? functionApply : key === 'bind' ? functionBind : undefined;
}
