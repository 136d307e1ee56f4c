/**
 * Linking the modules of a graph, as the bundle does before anything runs: every module's scope with
 * its hoisted declarations (esbuild puts every module in one scope, so a function of a module a cycle
 * reaches early is already there, and its `let`/`const`/`var`s read as `undefined`), and each import a
 * live link to the exporting module's binding, found through `export … from` and `export *` chains.
 * What the analysis does not read (a package, a file that cannot be read, a name nothing exports)
 * links to an unknown with the reason.
 */
import ts from 'typescript';
import { UnknownValue } from '../types';
import { DagClassValue, ModuleNamespace, bindingValue, namespaceKeyOrder, NamespaceValue, ObjectValue, Opaque, Scope, type Binding, type ImportLink, type LinkTarget, type Value } from '../values';
import { fromNative } from '../builtins/json';
import { nodeModuleImport } from '../builtins/nodePath';
import type { Interpreter } from '../realm';
import { commonJsBundling, exportTableOf, namespaceShapeProblem, type ImportEdge, type ModuleGraph, type ModuleRecord } from './graph';

const DSL_EXPORTS = new Map<string, Value>([['Dag', DagClassValue.instance]]);

export class Linker {
  private readonly scopes = new Map<ModuleRecord, Scope>();
  private readonly namespaces = new Map<ModuleRecord, ModuleNamespace>();

  constructor(private readonly ev: Interpreter, private readonly graph: ModuleGraph) {}

  scopeOf(record: ModuleRecord): Scope | undefined {
    return this.scopes.get(record);
  }

  /** Scopes, hoisted declarations and import bindings of every module the analysis reads. */
  instantiate(entryScope: Scope): void {
    for (const record of this.graph.all) {
      if (record.failure) continue;
      this.scopes.set(record, record.isEntry ? entryScope : moduleScope());
    }
    for (const [record, scope] of this.scopes) {
      if (record.sf) {
        this.ev.hoist(record.sf.statements, scope, record.sf);
        this.bindImports(record, scope);
      } else {
        // A JSON module: its default export and a binding per identifier key, set when it runs.
        for (const name of jsonExportNames(record.json)) scope.declare(name, { value: undefined, kind: 'const', initialised: false });
      }
    }
  }

  /** A JSON module runs: its value, made fresh for this analysis (the named exports share its objects). */
  runJson(record: ModuleRecord, node: ts.Node): void {
    const scope = this.scopes.get(record)!;
    const value = fromNative(this.ev, record.json, node);
    const set = (name: string, v: Value) => Object.assign(scope.bindings.get(name)!, { value: v, initialised: true });
    set('default', value);
    for (const name of jsonExportNames(record.json)) {
      if (name !== 'default') set(name, this.ev.getProperty(value, name, node));
    }
  }

  private bindImports(record: ModuleRecord, scope: Scope): void {
    for (const s of record.sf!.statements) {
      if (ts.isImportEqualsDeclaration(s)) {
        if (s.isTypeOnly) continue;
        // `import path = require('node:path')`: a Node module the analysis models.
        const ref = s.moduleReference;
        const builtin = ts.isExternalModuleReference(ref) && ts.isStringLiteral(ref.expression) ? nodeModuleImport(ref.expression.text, '=') : undefined;
        const edge = record.edgeOf(s);
        const json = edge?.record && !edge.record.sf && !edge.record.failure && !edge.specifier.startsWith('#') ? edge.record : undefined;
        if (builtin !== undefined) this.ev.declare(scope, s.name.text, { value: builtin, kind: 'import', initialised: true });
        else if (json) {
          // `import c = require('./c.json')`: the file's object (module.exports).
          const link: ImportLink = { target: () => this.jsonObject(json) };
          this.ev.declare(scope, s.name.text, { value: undefined, kind: 'import', initialised: true, importedFrom: { module: this.ev.text(s.moduleReference), name: '=' }, link });
        } else this.ev.declare(scope, s.name.text, { value: undefined, kind: 'import', initialised: true, importedFrom: { module: this.ev.text(s.moduleReference), name: '=' } });
        continue;
      }
      if (!ts.isImportDeclaration(s) || !s.importClause || s.importClause.isTypeOnly) continue;
      const edge = record.edgeOf(s);
      const clause = s.importClause;
      const bind = (local: string, imported: string) => this.ev.declare(scope, local, this.importBinding(edge, imported, s));
      if (clause.name) bind(clause.name.text, 'default');
      const named = clause.namedBindings;
      if (!named) continue;
      if (ts.isNamespaceImport(named)) bind(named.name.text, '*');
      else for (const el of named.elements) if (!el.isTypeOnly) bind(el.name.text, (el.propertyName ?? el.name).text);
    }
  }

  private importBinding(edge: ImportEdge | undefined, imported: string, node: ts.ImportDeclaration): Binding {
    const module = edge?.specifier ?? this.ev.text(node.moduleSpecifier);
    const resolution = edge?.resolution;
    if (resolution?.kind === 'dsl') {
      const value = imported === '*' ? new NamespaceValue('a-la-mode', DSL_EXPORTS) : DSL_EXPORTS.get(imported);
      if (value !== undefined) return { value, kind: 'import', initialised: true };
    }
    // A Node module the analysis models (`node:path`): Node's modules win over any file of that name.
    const builtin = edge && resolution?.kind !== 'file' ? nodeModuleImport(edge.specifier, imported) : undefined;
    if (builtin !== undefined) return { value: builtin, kind: 'import', initialised: true };
    const target = edge?.record;
    if (target && !target.failure) {
      const link: ImportLink = edge.kept === 'dropped'
        ? { target: () => ({ kind: 'unknown', why: `the bundle drops the import of '${module}' (no value from it is used)` }) }
        : { target: () => (imported === '*' ? { kind: 'value', value: this.namespaceOf(target) } : this.resolveExport(target, imported, new Set())) };
      return { value: undefined, kind: 'import', initialised: true, importedFrom: { module, name: imported }, link };
    }
    const why = target?.failure ?? (resolution && resolution.kind !== 'dsl' && resolution.kind !== 'file' && resolution.why ? resolution.why : undefined);
    return { value: undefined, kind: 'import', initialised: true, importedFrom: { module, name: imported, ...(why ? { why } : {}) } };
  }

  /** The binding (or value) a module exports as `name`. */
  resolveExport(record: ModuleRecord, name: string, seen: Set<ModuleRecord>): LinkTarget {
    if (record.failure) return { kind: 'unknown', why: record.failure };
    const scope = this.scopes.get(record);
    if (!scope) return { kind: 'unknown', why: `${record.path} is not followed` };
    if (!record.sf) return this.jsonExport(record, scope, name);
    const table = exportTableOf(record.sf);
    const local = table.local.get(name);
    if (local !== undefined) {
      const b = scope.bindings.get(local);
      return b ? { kind: 'binding', binding: b } : { kind: 'unknown', why: `${record.path} exports '${name}', which the analysis does not follow` };
    }
    const indirect = table.indirect.get(name);
    if (indirect) return this.throughEdge(record, indirect.from, (target) => this.resolveExport(target, indirect.name, seen), indirect.name);
    const ns = table.namespaces.get(name);
    if (ns) return this.throughEdge(record, ns, (target) => ({ kind: 'value', value: this.namespaceOf(target) }), '*');
    if (name === 'default' || seen.has(record)) return { kind: 'unknown', why: `${record.path} has no export named '${name}'` };
    seen.add(record);
    // `export * from`: the name one of them exports; two different ones make it ambiguous.
    let found: LinkTarget | undefined;
    for (const star of table.stars) {
      const r = this.throughEdge(record, star, (target) => this.resolveExport(target, name, seen), name);
      if (r.kind === 'unknown' && / has no export named /.test(r.why)) continue;
      if (r.kind === 'unknown') return r;
      if (found && !sameTarget(found, r)) return { kind: 'unknown', why: `'${name}' is exported by more than one module that ${record.path} re-exports (the bundle fails)` };
      found = r;
    }
    seen.delete(record);
    return found ?? { kind: 'unknown', why: `${record.path} has no export named '${name}'` };
  }

  private throughEdge(record: ModuleRecord, node: ts.ExportDeclaration, follow: (target: ModuleRecord) => LinkTarget, name: string): LinkTarget {
    const edge = record.edgeOf(node);
    if (edge?.resolution.kind === 'dsl') {
      const value = name === '*' ? new NamespaceValue('a-la-mode', DSL_EXPORTS) : DSL_EXPORTS.get(name);
      return value !== undefined ? { kind: 'value', value } : { kind: 'unknown', why: `'a-la-mode' has no export '${name}' the analysis models` };
    }
    if (edge?.record && !edge.record.failure) return follow(edge.record);
    const builtin = edge && edge.resolution.kind !== 'file' ? nodeModuleImport(edge.specifier, name) : undefined;
    if (builtin !== undefined) return { kind: 'value', value: builtin };
    const resolution = edge?.resolution;
    const why = edge?.record?.failure ?? (resolution && resolution.kind !== 'file' ? resolution.why : '');
    return { kind: 'unknown', why: `it comes from '${edge?.specifier ?? '?'}', which the analysis does not read${why ? ` (${why})` : ''}` };
  }

  /**
   * What an import of a JSON module reads. The bundle includes the file one of two ways: as an ES
   * module (named exports are copies of the keys' values, made when it ran) or, once any module
   * loads it with `require` (even in code that never runs, or in a CommonJS module the analysis does
   * not follow), wrapped as CommonJS (named exports read the object's keys at each use, and the
   * default is `module.exports.default` when the object has an `__esModule` key). Which one is not
   * always knowable, so an import is known only where both agree: a key whose value is still the one
   * the file gave it, and a default without `__esModule`.
   */
  private jsonExport(record: ModuleRecord, scope: Scope, name: string): LinkTarget {
    const b = scope.bindings.get(name);
    if (!b) return { kind: 'unknown', why: `${record.path} has no export named '${name}'` };
    const loaded = scope.bindings.get('default')!;
    // Before it ran, every binding reads as not yet initialised, as the bundle's would.
    if (!loaded.initialised) return { kind: 'binding', binding: b };
    const object = loaded.value;
    if (object instanceof ObjectValue && object.tainted) return { kind: 'value', value: new Opaque(object.tainted) };
    if (name === 'default') {
      const json = record.json;
      const esModule = (typeof json === 'object' && json !== null && Object.prototype.hasOwnProperty.call(json, '__esModule')) || (object instanceof ObjectValue && object.props.has('__esModule'));
      return esModule ? { kind: 'unknown', why: `${record.path} has an "__esModule" key, which changes its default export if the bundle wraps it as CommonJS` } : { kind: 'binding', binding: b };
    }
    const slot = object instanceof ObjectValue ? object.props.get(name) : undefined;
    if (slot && !slot.accessor && b.initialised && Object.is(slot.value, b.value)) return { kind: 'binding', binding: b };
    return { kind: 'unknown', why: `the program changed '${name}' of ${record.path}, and whether this import sees the change depends on whether the bundle wraps the file as CommonJS` };
  }

  /** A JSON module's object itself (what `require` returns), once it ran. */
  jsonObject(record: ModuleRecord): LinkTarget {
    const scope = this.scopes.get(record);
    const loaded = scope?.bindings.get('default');
    return loaded ? { kind: 'binding', binding: loaded } : { kind: 'unknown', why: `${record.path} is not followed` };
  }

  /** The namespace object of a module (`import * as ns`), one per module. */
  namespaceOf(record: ModuleRecord): ModuleNamespace {
    let ns = this.namespaces.get(record);
    if (!ns) {
      const script = record.sf && commonJsBundling(record.sf);
      const get = (name: string): Value => {
        // A file bundled as CommonJS: its namespace holds `default` (module.exports), not its exports.
        if (script) return new Opaque(new UnknownValue(script, { start: 0, end: 0 }));
        const t = this.resolveExport(record, name, new Set());
        if (t.kind === 'value') return t.value;
        if (t.kind === 'binding') return bindingValue(t.binding);
        return / has no export named /.test(t.why) ? undefined : new Opaque(new UnknownValue(t.why, { start: 0, end: 0 }));
      };
      ns = new ModuleNamespace(record.path, get, () => this.exportNames(record, new Set()).map(get), () => this.namespaceKeys(record));
      this.namespaces.set(record, ns);
    }
    return ns;
  }

  /** The keys of a module's namespace object, or why they are not known (an `export *` of what the analysis does not read). */
  private namespaceKeys(record: ModuleRecord): readonly string[] | { readonly unknown: string } {
    const names = new Set<string>();
    const problem = this.collectExportNames(record, new Set(), names);
    if (problem) return { unknown: problem };
    // Each name must be a value the bundle keeps (not a type TypeScript erases, not an ambiguous name).
    for (const name of names) {
      if (!isValueTarget(this.resolveExport(record, name, new Set()))) return { unknown: `what ${record.path} exports as '${name}' is not known to be a value the bundle keeps` };
    }
    return namespaceKeyOrder(names);
  }

  /** Adds the names `record` exports to `names`; says why they are not all known, if so. */
  private collectExportNames(record: ModuleRecord, seen: Set<ModuleRecord>, names: Set<string>, star = false): string | undefined {
    if (record.failure) return record.failure;
    if (seen.has(record)) return undefined;
    seen.add(record);
    // Its namespace lists the keys sorted (an ES module) or as the object has them then (wrapped as
    // CommonJS, see `jsonExport`): not knowable.
    if (!record.sf) return `the order of the keys of ${record.path} in a namespace depends on how the bundle includes the file`;
    const shape = namespaceShapeProblem(record.sf);
    if (shape) return shape;
    const table = exportTableOf(record.sf);
    const scope = this.scopes.get(record);
    // `export default T`: a value only if T is one (a type is erased with the export).
    for (const s of record.sf.statements) {
      if (ts.isExportAssignment(s) && !s.isExportEquals && ts.isIdentifier(s.expression)) {
        const b = scope?.bindings.get(s.expression.text);
        if (!b || !isValueTarget({ kind: 'binding', binding: b })) return `what ${record.path} exports as default may be a type`;
      }
    }
    for (const n of [...table.local.keys(), ...table.indirect.keys(), ...table.namespaces.keys()]) if (!star || n !== 'default') names.add(n);
    for (const s of table.stars) {
      const edge = record.edgeOf(s);
      if (!edge?.record) return `${record.path} re-exports '${edge?.specifier ?? '?'}' with export *, which the analysis does not read`;
      const problem = this.collectExportNames(edge.record, seen, names, true);
      if (problem) return problem;
    }
    return undefined;
  }

  private exportNames(record: ModuleRecord, seen: Set<ModuleRecord>): string[] {
    if (record.failure || seen.has(record)) return [];
    seen.add(record);
    if (!record.sf) return jsonExportNames(record.json);
    const table = exportTableOf(record.sf);
    const names = new Set([...table.local.keys(), ...table.indirect.keys(), ...table.namespaces.keys()]);
    for (const star of table.stars) {
      const target = record.edgeOf(star)?.record;
      if (target) for (const n of this.exportNames(target, seen)) if (n !== 'default') names.add(n);
    }
    return [...names];
  }
}

/** Whether a link leads to a value (through imports re-exported), not to a type or to something unknown. */
function isValueTarget(target: LinkTarget, depth = 0): boolean {
  if (target.kind === 'value') return true;
  if (target.kind === 'unknown' || depth > 100) return false;
  return target.binding.link ? isValueTarget(target.binding.link.target(), depth + 1) : true;
}

function sameTarget(a: LinkTarget, b: LinkTarget): boolean {
  if (a.kind === 'binding' && b.kind === 'binding') return a.binding === b.binding;
  if (a.kind === 'value' && b.kind === 'value') return a.value === b.value;
  return false;
}

function moduleScope(): Scope {
  // `this` at the top of a module is `undefined` in ESM and `module.exports` in a CommonJS bundle.
  const moduleThis = new Opaque(new UnknownValue('`this` at the top level of a module depends on how it is loaded', { start: 0, end: 0 }));
  return new Scope(undefined, true, { value: moduleThis });
}

/**
 * A JSON module's exports: `default` (the whole value) and each key of an object, whatever its
 * spelling (esbuild exports `"x-y"` and `"1"` too, for `import * as` and `import { 'x-y' as xy }`); a
 * key `"default"` is shadowed by the default export.
 */
function jsonExportNames(json: unknown): string[] {
  const names = ['default'];
  if (typeof json === 'object' && json !== null && !Array.isArray(json)) for (const k of Object.keys(json)) if (k !== 'default') names.push(k);
  return names;
}

