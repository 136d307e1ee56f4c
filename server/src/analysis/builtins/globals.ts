/**
 * The globals the analysis models (what a module reads when it does not declare a name), and the sets
 * of globals that patching invalidates and whose calls are safe to make with known arguments.
 */
import { posix } from 'node:path';
import type ts from 'typescript';
import {
  NamespaceValue,
  Opaque,
  UnknownValue,
  isHeap,
  type Realm,
  type Value,
  quietly,
} from '../values';
import { arrayFn } from './arrays';
import { structuredCloneFn } from './clone';
import { mapFn, setFn } from './collections';
import { dateFn } from './dates';
import { jsonNamespace } from './json';
import { objectFn } from './objects';
import { bigintFn, booleanFn, numberFn, stringFn } from './primitives';
import { fn, members, pure } from './support';
import { ERROR_CONSTRUCTORS } from './patches';
import { urlClass } from './nodeUrl';
import { promiseFn } from './promises';

/**
 * Globals whose functions and constructors, given primitives, never call back into the module
 * (`Date.now()`, `Math.random()`): calling them so does not hand anything over. Given an object they
 * convert or iterate it, running its methods (`callOpaque` in calls.ts).
 */
export const SAFE_GLOBAL_CALLS: ReadonlySet<string> = new Set([
  'Math', 'Date', 'Set', 'Map', 'WeakMap', 'WeakSet', 'Error', 'TypeError', 'RangeError', 'SyntaxError',
  'URL', 'RegExp', 'Symbol', 'Number', 'String', 'BigInt', 'Boolean', 'performance',
]);

// ── Math: exact functions only ──

const mathNamespace = new NamespaceValue('Math', members([
  ['abs', pure('Math.abs', (x) => Math.abs(x as number))],
  ['ceil', pure('Math.ceil', (x) => Math.ceil(x as number))],
  ['floor', pure('Math.floor', (x) => Math.floor(x as number))],
  ['round', pure('Math.round', (x) => Math.round(x as number))],
  ['trunc', pure('Math.trunc', (x) => Math.trunc(x as number))],
  ['sign', pure('Math.sign', (x) => Math.sign(x as number))],
  ['max', pure('Math.max', (...xs) => Math.max(...(xs as number[])))],
  ['min', pure('Math.min', (...xs) => Math.min(...(xs as number[])))],
  ['pow', pure('Math.pow', (x, y) => Math.pow(x as number, y as number))],
  ['sqrt', pure('Math.sqrt', (x) => Math.sqrt(x as number))],
  ['clz32', pure('Math.clz32', (x) => Math.clz32(x as number))],
  ['imul', pure('Math.imul', (x, y) => Math.imul(x as number, y as number))],
  ['fround', pure('Math.fround', (x) => Math.fround(x as number))],
  ['PI', Math.PI],
  ['E', Math.E],
  ['LN2', Math.LN2],
  ['LN10', Math.LN10],
  ['LOG2E', Math.LOG2E],
  ['LOG10E', Math.LOG10E],
  ['SQRT2', Math.SQRT2],
  ['SQRT1_2', Math.SQRT1_2],
]));

// ── console: prints, changes nothing the DAG sees ──

const consoleMethod = fn('console.log', (realm, _this, args, site) => {
  // Printing does not run the module's code, except a format string's `%s`/`%d` on an object (its
  // toString) and inspection hooks on objects the analysis could not model (opaque values).
  const formats = typeof args[0] === 'string' && args[0].includes('%');
  const why = new UnknownValue(`${realm.text(site.node)} may run code of the values it prints`, realm.range(site.node));
  for (const a of args) {
    if (a instanceof Opaque || (formats && isHeap(a))) realm.escape(a, why);
  }
  return undefined;
});

const consoleNamespace = new NamespaceValue('console', members(
  ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir', 'table', 'group', 'groupEnd', 'groupCollapsed', 'time', 'timeEnd', 'timeLog', 'count', 'assert'].map((n) => [n, consoleMethod]),
));

const GLOBALS = new Map<string, Value>([
  ['String', stringFn],
  ['Number', numberFn],
  ['Boolean', booleanFn],
  ['BigInt', bigintFn],
  ['Object', objectFn],
  ['Array', arrayFn],
  ['JSON', jsonNamespace],
  ['Math', mathNamespace],
  ['console', consoleNamespace],
  ['parseInt', pure('parseInt', (s, r) => parseInt(s as string, r as number))],
  ['parseFloat', pure('parseFloat', (s) => parseFloat(s as string))],
  ['isNaN', pure('isNaN', (x) => isNaN(x as number))],
  ['isFinite', pure('isFinite', (x) => isFinite(x as number))],
  ['encodeURIComponent', pure('encodeURIComponent', (s) => encodeURIComponent(s as string), true)],
  ['decodeURIComponent', pure('decodeURIComponent', (s) => decodeURIComponent(s as string), true)],
  ['encodeURI', pure('encodeURI', (s) => encodeURI(s as string), true)],
  ['decodeURI', pure('decodeURI', (s) => decodeURI(s as string), true)],
  ['structuredClone', structuredCloneFn],
  ['Set', setFn],
  ['Map', mapFn],
  ['Date', dateFn],
  ['URL', urlClass],
  ['Promise', promiseFn],
]);

/** The value of a global the module does not declare. */
export function globalValue(realm: Realm, name: string, node: ts.Node): Value {
  switch (name) {
    case 'undefined': return undefined;
    case 'NaN': return Number.NaN;
    case 'Infinity': return Infinity;
    // The CLI gives every module its own, by real path (`located` in cli/loadModule.ts).
    case '__filename':
    case '__dirname': {
      const file = realm.moduleFile(node);
      if (file !== undefined) return name === '__filename' ? file : posix.dirname(file);
    }
  }
  const g = GLOBALS.get(name);
  if (g !== undefined && !realm.builtinsPatched) return g;
  // An error constructor is always there (replacing it patches built-ins): reading it cannot throw.
  if (ERROR_CONSTRUCTORS.has(name) && !realm.builtinsPatched && realm.unseenCodeRuns === 0) return quietly(() => realm.chainOpaque({ kind: 'global', root: name }, node, 'read'));
  return realm.chainOpaque({ kind: 'global', root: name }, node, 'read');
}
