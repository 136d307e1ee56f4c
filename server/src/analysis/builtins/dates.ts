/**
 * `Date`, as far as it does not depend on the machine that runs the module: dates made from a time
 * value or an ISO string that says its time zone (`'2024-03-01'`, `'2024-03-01T06:00:00Z'`), their UTC
 * getters and setters, `getTime`, `toISOString`, `toJSON`, `toUTCString`, `Date.UTC` and `Date.parse`
 * of such strings. Daily partitions and backfills over a configured range are written this way.
 *
 * Not followed (unknown): the current time (`new Date()`, `Date.now()`), local-time components
 * (`new Date(2024, 0, 1)`, `getDate`, `setHours`, `toString`, `toLocaleDateString`, …) and strings
 * without a time zone (`'2024-03-01T06:00'` is local time), which all depend on the clock or the time
 * zone of the machine. A local-time setter (`setDate`) makes the date's time value unknown from then on.
 */
import type ts from 'typescript';
import { DateValue, Opaque, isPrimitive, reachOf, type CallSite, type Realm, type Value } from '../values';
import { applyHost, fn, hostArgs, members, methodFn } from './support';

function makeDate(realm: Realm, time: number, node: ts.Node): DateValue {
  const d = new DateValue();
  d.store.props.set('t', { value: new Date(time).getTime(), range: realm.range(node) });
  return d;
}

/**
 * ISO 8601 as `Date.parse` reads it, when the result does not depend on the time zone: a date alone
 * (read as UTC), or a date and time with `Z` or an offset.
 */
const ZONED_ISO = /^(?:[+-]\d{6}|\d{4})(?:-\d{2}(?:-\d{2})?)?(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** The time value `Date.parse(s)` gives, or why it depends on the machine. */
function parseZoned(realm: Realm, s: string, site: CallSite): number | Opaque {
  if (!ZONED_ISO.test(s)) return realm.opaque(`${realm.text(site.node)} reads a date string without a time zone, which depends on the machine that runs it`, site.node);
  // A month or day out of range fails V8's ISO reading, and its fallback reads local time
  // ('0001-13-01' differs between time zones).
  const [, month, day] = /^(?:[+-]\d{6}|\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(s)!;
  if ((month !== undefined && (+month < 1 || +month > 12)) || (day !== undefined && (+day < 1 || +day > 31))) {
    return realm.opaque(`${realm.text(site.node)} reads a date string that is not a valid ISO date, which V8 then reads in the machine's time zone`, site.node);
  }
  return Date.parse(s);
}

const timeZoneDependent = (realm: Realm, site: CallSite, args: readonly Value[]) => realm.opaque(`${realm.text(site.node)} depends on the clock or the time zone of the machine that runs it`, site.node, reachOf(args));

/**
 * A result that depends on the machine, after what JS converts of `args` first: the module's own
 * `valueOf`/`toString` run (through the analysis, as stand-ins), and a conversion that throws throws.
 */
function convertedThen(realm: Realm, site: CallSite, args: readonly Value[], native: (host: unknown[]) => unknown): Opaque {
  const host = hostArgs(realm, args, site.node);
  if (host instanceof Opaque) return host;
  const r = applyHost(realm, args, site.node, () => native(host));
  return r instanceof Opaque ? r : timeZoneDependent(realm, site, args);
}

export const dateFn = fn('Date', (realm, _this, args, site) => timeZoneDependent(realm, site, args), {
  construct: (realm, _this, args, site) => {
    // Each argument is converted to a number (`new Date(2024, month)`); none for the current time.
    if (args.length !== 1) return convertedThen(realm, site, args, (host) => new Date(...(host as [number, number])).getTime());
    const [v] = args;
    if (v instanceof DateValue) {
      const time = v.time;
      return typeof time === 'number' ? makeDate(realm, time, site.node) : new Opaque(time, [v]);
    }
    if (typeof v === 'string') {
      const t = parseZoned(realm, v, site);
      return t instanceof Opaque ? t : makeDate(realm, t, site.node);
    }
    // Another value: ToPrimitive, then a string is parsed and anything else is a time value.
    if (!isPrimitive(v)) return convertedThen(realm, site, args, (host) => new Date(host[0] as never).getTime());
    const t = applyHost(realm, args, site.node, () => new Date(v as never).getTime());
    return t instanceof Opaque ? t : makeDate(realm, t, site.node);
  },
  members: members([
    ['UTC', fn('Date.UTC', (realm, _this, args, site) => {
      const host = hostArgs(realm, args, site.node);
      if (host instanceof Opaque) return host;
      return applyHost(realm, args, site.node, () => (Date.UTC as (...a: unknown[]) => number)(...host));
    })],
    ['parse', fn('Date.parse', (realm, _this, [s], site) => {
      if (s instanceof Opaque) return new Opaque(s.unknown);
      if (typeof s !== 'string') return convertedThen(realm, site, [s], (host) => Date.parse(host[0] as string));
      return parseZoned(realm, s, site);
    })],
  ]),
});

type DateImpl = (realm: Realm, d: DateValue, time: number, args: readonly Value[], site: CallSite) => Value;

function dateMethod(name: string, impl: DateImpl): ReturnType<typeof fn> {
  return methodFn(`Date.prototype.${name}`, (realm, thisValue, args, site) => {
    if (!(thisValue instanceof DateValue)) {
      if (thisValue instanceof Opaque) return new Opaque(thisValue.unknown, reachOf([thisValue, ...args]));
      return realm.opaque(`${realm.text(site.node)} is not modelled by the analysis`, site.node, reachOf([thisValue, ...args]));
    }
    const time = thisValue.time;
    if (typeof time !== 'number') {
      for (const a of args) realm.escape(a, time);
      return new Opaque(time, [thisValue]);
    }
    return impl(realm, thisValue, time, args, site);
  });
}

/** `Date.prototype[name]` applied natively to a new Date of `time` (the module's date is not touched). */
function onCopy(time: number, name: string, host: unknown[]): unknown {
  return (new Date(time) as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!(...host);
}

/** A method that reads the date, applied natively to a copy (it throws as the module would: `toISOString` of an invalid date). */
const reader = (name: string) => dateMethod(name, (realm, _d, time, args, site) => {
  const host = hostArgs(realm, args, site.node);
  if (host instanceof Opaque) return host;
  return applyHost(realm, args, site.node, () => onCopy(time, name, host) as string | number | null);
});

/** A UTC setter: its arguments converted as JS does, the new time value stored and returned. */
const setter = (name: string) => dateMethod(name, (realm, d, time, args, site) => {
  const host = hostArgs(realm, args, site.node);
  if (host instanceof Opaque) {
    realm.escape(d, host.unknown);
    return host;
  }
  const t = applyHost(realm, args, site.node, () => onCopy(time, name, host) as number);
  if (t instanceof Opaque) {
    realm.escape(d, t.unknown);
    return t;
  }
  realm.touch(d.store);
  d.store.props.set('t', { value: t, range: realm.range(site.node) });
  return t;
});

/** A local-time reader: its result depends on the machine's time zone; the date is unchanged. */
const localReader = (name: string) => dateMethod(name, (realm, _d, time, args, site) =>
  convertedThen(realm, site, args, (host) => onCopy(time, name, host)));

/** A local-time setter: the arguments are converted as JS does; the new time value depends on the time zone. */
const localSetter = (name: string) => dateMethod(name, (realm, d, time, args, site) => {
  const t = convertedThen(realm, site, args, (host) => onCopy(time, name, host));
  realm.touch(d.store);
  d.store.props.set('t', { value: t, range: realm.range(site.node) });
  return t;
});

const READERS = ['getTime', 'valueOf', 'toISOString', 'toJSON', 'toUTCString', 'getUTCFullYear', 'getUTCMonth', 'getUTCDate', 'getUTCDay', 'getUTCHours', 'getUTCMinutes', 'getUTCSeconds', 'getUTCMilliseconds'];
const SETTERS = ['setTime', 'setUTCFullYear', 'setUTCMonth', 'setUTCDate', 'setUTCHours', 'setUTCMinutes', 'setUTCSeconds', 'setUTCMilliseconds'];
const LOCAL_READERS = ['getFullYear', 'getMonth', 'getDate', 'getDay', 'getHours', 'getMinutes', 'getSeconds', 'getMilliseconds', 'getTimezoneOffset', 'toString', 'toDateString', 'toTimeString', 'toLocaleString', 'toLocaleDateString', 'toLocaleTimeString'];
const LOCAL_SETTERS = ['setFullYear', 'setMonth', 'setDate', 'setHours', 'setMinutes', 'setSeconds', 'setMilliseconds'];
const DATE_METHODS = new Map([
  ...READERS.map((n) => [n, reader(n)] as const),
  ...SETTERS.map((n) => [n, setter(n)] as const),
  ...LOCAL_READERS.map((n) => [n, localReader(n)] as const),
  ...LOCAL_SETTERS.map((n) => [n, localSetter(n)] as const),
]);

/** `date.key`: the methods above; anything else is not followed (calling it hands the date over). */
export function dateProperty(realm: Realm, d: DateValue, key: string, node: ts.Node): Value {
  return DATE_METHODS.get(key) ?? realm.opaque(`${realm.text(node)} is not modelled by the analysis`, node, [d]);
}
