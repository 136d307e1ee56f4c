/**
 * The configuration files the bundle reads when it resolves and compiles a module, as esbuild reads
 * them: the enclosing `tsconfig.json` (or `jsconfig.json`), with its `extends`, for `paths`, `baseUrl`
 * and whether unused imports are kept; the enclosing `package.json` for `imports` (`#shared/*`), main
 * fields and `sideEffects`. What cannot be read or followed is an error: imports that depend on it are
 * then unknown.
 */
import { dirname, isAbsolute, join } from 'node:path';
import ts from 'typescript';
import type { FileReader } from './host';

/** See {@link TsConfig.keepsImports}. */
export type KeepsImports = 'all' | 'values' | false;

export interface TsConfig {
  /** The file the settings come from. */
  readonly path: string;
  /** Set when the file (or one it extends) cannot be read or followed: nothing else here holds. */
  readonly error?: string;
  /** `compilerOptions.baseUrl`, absolute. */
  readonly baseUrl?: string;
  /** `compilerOptions.paths`, with the folder its relative targets start from. */
  readonly paths?: { readonly base: string; readonly map: ReadonlyMap<string, readonly string[]> };
  /**
   * Which imports the bundle keeps whether their bindings are used or not: `all` (`verbatimModuleSyntax`,
   * `importsNotUsedAsValues: preserve|error`: every import declaration runs), `values`
   * (`preserveValueImports`: those binding a value; `import {}` and `import { type X }` still go), or
   * none (unused imports are removed).
   */
  readonly keepsImports: KeepsImports;
  /**
   * How esbuild compiles class fields of TypeScript files: `useDefineForClassFields` when it is a boolean,
   * else `assign` for a `target` before ES2022 and `define` otherwise (see {@link classFieldsOf}).
   */
  readonly classFields: 'define' | 'assign';
}

/** esbuild's `target` names before ES2022 (any case): their class fields are assignments. */
const ASSIGNING_TARGETS = new Set(['es3', 'es5', 'es6', 'es2015', 'es2016', 'es2017', 'es2018', 'es2019', 'es2020', 'es2021']);

/** A JSON file's value, read as esbuild and Node read one: a byte order mark before it is allowed. Throws if it is not JSON. */
export function parseJsonFile(text: string): unknown {
  return JSON.parse(text.replace(/^\uFEFF/, ''));
}

/** How esbuild defines class fields for these settings (checked against esbuild: see the tests). */
export function classFieldsOf(useDefine: unknown, target: unknown): 'define' | 'assign' {
  if (typeof useDefine === 'boolean') return useDefine ? 'define' : 'assign';
  return typeof target === 'string' && ASSIGNING_TARGETS.has(target.toLowerCase()) ? 'assign' : 'define';
}

export interface PackageJson {
  readonly path: string;
  readonly dir: string;
  readonly error?: string;
  readonly imports?: unknown;
  readonly sideEffects?: unknown;
  /** Its `name`, `exports`, `main` and `module`, as written (read for a package of the repository: `resolve.ts`). */
  readonly name?: unknown;
  readonly exports?: unknown;
  readonly main?: unknown;
  readonly module?: unknown;
  /**
   * Some object in it repeats a key: esbuild keeps the first, `JSON.parse` the last, so what it maps
   * is not followed.
   */
  readonly duplicateKeys?: boolean;
  /** `main` or `module`: a folder with them resolves through them. */
  readonly hasMainFields: boolean;
}

interface RawTsConfig {
  readonly error?: string;
  readonly dir: string;
  readonly baseUrl?: string;
  readonly paths?: { readonly base: string; readonly map: ReadonlyMap<string, readonly string[]> };
  readonly keepsImports?: KeepsImports;
  readonly useDefine?: unknown;
  readonly target?: unknown;
}

/** The configuration files of one analysis, each read once. */
export class Configs {
  private readonly tsconfigs = new Map<string, TsConfig | undefined>();
  private readonly packages = new Map<string, PackageJson | undefined>();

  constructor(private readonly reader: FileReader) {}

  /** The tsconfig.json (or jsconfig.json) that governs files in `dir`, if any. */
  tsconfigFor(dir: string): TsConfig | undefined {
    if (this.tsconfigs.has(dir)) return this.tsconfigs.get(dir);
    let found: TsConfig | undefined;
    for (const name of ['tsconfig.json', 'jsconfig.json']) {
      const path = join(dir, name);
      const text = this.reader.read(path);
      if (text === undefined) continue;
      const raw = this.parseTsConfig(path, new Set());
      found = {
        path,
        ...(raw.error ? { error: raw.error } : {}),
        ...(raw.baseUrl ? { baseUrl: raw.baseUrl } : {}),
        ...(raw.paths ? { paths: validPaths(raw.paths, raw.baseUrl !== undefined) } : {}),
        keepsImports: raw.keepsImports ?? false,
        classFields: classFieldsOf(raw.useDefine, raw.target),
      };
      break;
    }
    if (!found) {
      const parent = dirname(dir);
      found = parent !== dir && !isNodeModules(dir) ? this.tsconfigFor(parent) : undefined;
    }
    this.tsconfigs.set(dir, found);
    return found;
  }

  private parseTsConfig(path: string, visiting: Set<string>): RawTsConfig {
    const dir = dirname(path);
    const text = this.reader.read(path);
    if (typeof text !== 'string') return { dir, error: `${path} cannot be read` };
    if (visiting.has(path)) return { dir, error: `${path} extends itself` };
    const parsed = ts.parseConfigFileTextToJson(path, text);
    if (parsed.error || typeof parsed.config !== 'object' || parsed.config === null) return { dir, error: `${path} is not valid JSON` };
    if (repeatsAKey(path, text)) return { dir, error: `${path} repeats a key, which esbuild reads otherwise (the first) than TypeScript (the last)` };
    const config = parsed.config as { extends?: unknown; compilerOptions?: Record<string, unknown> };
    // What it extends first, then its own settings over them.
    let base: RawTsConfig = { dir };
    const extendsList = typeof config.extends === 'string' ? [config.extends] : Array.isArray(config.extends) ? config.extends : [];
    visiting.add(path);
    for (const ext of extendsList) {
      if (typeof ext !== 'string') return { dir, error: `${path} has an "extends" that is not a string` };
      const file = this.extendsFile(dir, ext);
      if (file === undefined) return { dir, error: `${path} extends '${ext}', which is in no node_modules folder above it` };
      const inherited = this.parseTsConfig(file, visiting);
      if (inherited.error) return { dir, error: inherited.error };
      base = { ...base, ...definedOf(inherited) };
    }
    visiting.delete(path);
    const options = config.compilerOptions ?? {};
    const own: { baseUrl?: string; paths?: RawTsConfig['paths']; keepsImports?: KeepsImports; useDefine?: unknown; target?: unknown } = {};
    if ('useDefineForClassFields' in options) own.useDefine = options.useDefineForClassFields;
    if ('target' in options) own.target = options.target;
    if (typeof options.baseUrl === 'string') own.baseUrl = join(dir, options.baseUrl);
    if (options.paths && typeof options.paths === 'object') {
      const map = new Map<string, string[]>();
      for (const [key, targets] of Object.entries(options.paths as Record<string, unknown>)) {
        if ((key.match(/\*/g)?.length ?? 0) > 1 || !Array.isArray(targets)) continue;
        map.set(key, targets.filter((t): t is string => typeof t === 'string' && (t.match(/\*/g)?.length ?? 0) <= 1));
      }
      own.paths = { base: dir, map };
    }
    // As esbuild reads them: keeping the statement wins over keeping its values.
    const keepsStatements = options.verbatimModuleSyntax === true || options.importsNotUsedAsValues === 'preserve' || options.importsNotUsedAsValues === 'error';
    const keeps: KeepsImports = keepsStatements ? 'all' : options.preserveValueImports === true ? 'values' : false;
    const mentions = 'verbatimModuleSyntax' in options || 'preserveValueImports' in options || 'importsNotUsedAsValues' in options;
    if (mentions) own.keepsImports = keeps;
    const merged: RawTsConfig = { ...base, ...own, dir };
    // `paths` are relative to `baseUrl` when there is one (the nearest config's own, else an inherited one).
    if (merged.paths && merged.baseUrl !== undefined) return { ...merged, paths: { base: merged.baseUrl, map: merged.paths.map } };
    return merged;
  }

  /**
   * The file an `extends` names: a path, or a shared config from a package (`@tsconfig/node20`,
   * `@tsconfig/node20/tsconfig.json`), looked for in the `node_modules` of each folder up from the
   * config, as TypeScript and esbuild do: the file itself, with `.json` added, or the package's own
   * `tsconfig.json`. Undefined when no package has it.
   */
  private extendsFile(dir: string, ext: string): string | undefined {
    if (!(ext.startsWith('./') || ext.startsWith('../') || ext === '.' || ext === '..' || isAbsolute(ext))) {
      for (let at = dir; ; at = dirname(at)) {
        const base = join(at, 'node_modules', ext);
        const found = [base, `${base}.json`, join(base, 'tsconfig.json')].find((f) => f.endsWith('.json') && typeof this.reader.read(f) === 'string');
        if (found) return found;
        if (dirname(at) === at) return undefined;
      }
    }
    const file = isAbsolute(ext) ? ext : join(dir, ext === '.' || ext === '..' ? `${ext}/tsconfig.json` : ext);
    if (this.reader.exists(file) || file.endsWith('.json')) return file;
    return this.reader.exists(`${file}.json`) ? `${file}.json` : file;
  }

  /** The package.json nearest to `dir` (itself or a parent folder), if any. */
  packageJsonFor(dir: string): PackageJson | undefined {
    if (this.packages.has(`up:${dir}`)) return this.packages.get(`up:${dir}`);
    const here = this.packageJsonAt(dir);
    const parent = dirname(dir);
    const found = here ?? (parent !== dir ? this.packageJsonFor(parent) : undefined);
    this.packages.set(`up:${dir}`, found);
    return found;
  }

  /** The package.json in `dir` itself, if any. */
  packageJsonAt(dir: string): PackageJson | undefined {
    if (this.packages.has(dir)) return this.packages.get(dir);
    const path = join(dir, 'package.json');
    const text = this.reader.read(path);
    let result: PackageJson | undefined;
    if (text instanceof Error) result = { path, dir, error: `${path} cannot be read`, hasMainFields: false };
    else if (text !== undefined) {
      try {
        const json = parseJsonFile(text) as Record<string, unknown>;
        if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('not an object');
        result = { path, dir, imports: json.imports, sideEffects: json.sideEffects, name: json.name, exports: json.exports, main: json.main, module: json.module, hasMainFields: typeof json.main === 'string' || typeof json.module === 'string', ...(repeatsAKey(path, text) ? { duplicateKeys: true } : {}) };
      } catch {
        result = { path, dir, error: `${path} is not valid JSON`, hasMainFields: false };
      }
    }
    this.packages.set(dir, result);
    return result;
  }
}

/** Whether an object of the JSON text repeats a key (a cheap test first: most files have no key twice anywhere). */
function repeatsAKey(path: string, text: string): boolean {
  const keys = text.match(/"(?:[^"\\]|\\.)*"\s*:/g) ?? [];
  if (new Set(keys).size === keys.length) return false;
  let repeated = false;
  const visit = (n: ts.Node): void => {
    if (repeated) return;
    if (ts.isObjectLiteralExpression(n)) {
      const seen = new Set<string>();
      for (const p of n.properties) {
        const name = p.name && (ts.isStringLiteral(p.name) || ts.isIdentifier(p.name) || ts.isNumericLiteral(p.name)) ? p.name.text : undefined;
        if (name === undefined) continue;
        if (seen.has(name)) repeated = true;
        seen.add(name);
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(ts.parseJsonText(path, text));
  return repeated;
}

function definedOf(raw: RawTsConfig): Partial<RawTsConfig> {
  const out: { baseUrl?: string; paths?: RawTsConfig['paths']; keepsImports?: KeepsImports; useDefine?: unknown; target?: unknown } = {};
  if (raw.useDefine !== undefined) out.useDefine = raw.useDefine;
  if (raw.target !== undefined) out.target = raw.target;
  if (raw.baseUrl !== undefined) out.baseUrl = raw.baseUrl;
  if (raw.paths !== undefined) out.paths = raw.paths;
  if (raw.keepsImports !== undefined) out.keepsImports = raw.keepsImports;
  return out;
}

/** Without `baseUrl`, esbuild drops `paths` targets that are not relative or absolute. */
function validPaths(paths: NonNullable<RawTsConfig['paths']>, hasBaseUrl: boolean): NonNullable<RawTsConfig['paths']> {
  if (hasBaseUrl) return paths;
  const map = new Map<string, readonly string[]>();
  for (const [key, targets] of paths.map) map.set(key, targets.filter((t) => t.startsWith('./') || t.startsWith('../') || isAbsolute(t)));
  return { base: paths.base, map };
}

function isNodeModules(dir: string): boolean {
  return /(^|[\\/])node_modules([\\/]|$)/.test(dir);
}
