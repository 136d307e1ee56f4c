/**
 * Resolving an import to a file the way the CLI's bundle does (esbuild, platform node, its default
 * `resolveExtensions`), so that the analysis reads the module that will run:
 *
 * - relative and absolute paths: the file itself, then with each extension (`.tsx .ts .jsx .js .css
 *   .json`), then TypeScript's rewrite of `.js`/`.jsx` to `.ts`/`.tsx`, `.mjs` to `.mts`, `.cjs` to
 *   `.cts`; then a folder's `index` with each extension (a folder whose `package.json` has `main` or
 *   `module` is not followed);
 * - other specifiers: Node's built-in modules; the enclosing `tsconfig.json`'s `paths`, then its
 *   `baseUrl`; `#imports` in the enclosing `package.json`; a package of the repository linked into
 *   `node_modules` by workspaces (its `exports`, else `main`/`module`, else its index); anything else
 *   is a package, which the analysis does not read (`a-la-mode` is the DSL itself, as the CLI
 *   resolves it).
 */
import { builtinModules } from 'node:module';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import type { Configs, PackageJson } from './configs';
import { ReadLimit, type FileReader } from './host';

export type Resolution =
  /** The DSL (`a-la-mode`), resolved by the CLI to its own runtime. */
  | { readonly kind: 'dsl' }
  /** A file the analysis reads. */
  | { readonly kind: 'file'; readonly path: string }
  /**
   * A package, a built-in module, or a file the analysis does not read: what comes from it is unknown.
   * `installed`: a package installed in `node_modules` (not the repository's own code).
   */
  | { readonly kind: 'unseen'; readonly why: string; readonly installed?: boolean }
  /** The bundle fails to resolve it (or the analysis cannot tell where it goes). */
  | { readonly kind: 'unresolved'; readonly why: string }
  /** The analysis read as much as it may. */
  | { readonly kind: 'limit'; readonly why: string };

/** esbuild's default `resolveExtensions`, in its order. */
const EXTENSIONS = ['.tsx', '.ts', '.jsx', '.js', '.css', '.json'];
const REWRITES: Readonly<Record<string, readonly string[]>> = { '.js': ['.ts', '.tsx'], '.jsx': ['.ts', '.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'] };
/**
 * Files the analysis reads (a file without an extension is JavaScript to esbuild); other extensions
 * (`.tsx`, `.css`, …) are modules it does not read.
 */
export const READABLE = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json', '']);
const BUILTINS = new Set(builtinModules);

class Stop {
  constructor(readonly resolution: Resolution) {}
}

export class Resolver {
  constructor(private readonly reader: FileReader, private readonly configs: Configs) {}

  /** `kind`: an import statement, or `require`/`import x = require` (esbuild matches other conditions). */
  resolve(specifier: string, importer: string, kind: ImportKind = 'import'): Resolution {
    try {
      return this.resolveOrThrow(specifier, dirname(importer), kind);
    } catch (e) {
      if (e instanceof Stop) return e.resolution;
      throw e;
    }
  }

  private resolveOrThrow(specifier: string, dir: string, kind: ImportKind): Resolution {
    if (specifier === 'a-la-mode') return { kind: 'dsl' };
    if (isAbsolute(specifier)) {
      // An absolute path may be mapped by `paths` too.
      const paths = this.configs.tsconfigFor(dir)?.paths;
      const mapped = paths && this.matchPaths(paths, specifier);
      if (mapped) return this.file(mapped, specifier);
    }
    if (!isPackagePath(specifier)) {
      const found = this.loadAsFileOrDirectory(isAbsolute(specifier) ? specifier : join(dir, specifier));
      return found ? this.file(found, specifier) : { kind: 'unresolved', why: `'${specifier}' does not exist` };
    }
    if (BUILTINS.has(specifier) || specifier.startsWith('node:')) return { kind: 'unseen', why: `'${specifier}' is a Node.js module, which the analysis does not read` };
    const tsconfig = this.configs.tsconfigFor(dir);
    if (tsconfig?.error) return { kind: 'unresolved', why: tsconfig.error };
    if (tsconfig?.paths) {
      const found = this.matchPaths(tsconfig.paths, specifier);
      if (found) return this.file(found, specifier);
    }
    if (tsconfig?.baseUrl !== undefined) {
      const found = this.loadAsFileOrDirectory(join(tsconfig.baseUrl, specifier));
      if (found) return this.file(found, specifier);
    }
    if (specifier.startsWith('#')) {
      const pkg = this.configs.packageJsonFor(dir);
      if (pkg?.error) return { kind: 'unresolved', why: pkg.error };
      if (pkg && pkg.imports !== undefined && pkg.imports !== null) return this.packageImport(pkg, specifier, kind);
    }
    return this.workspacePackage(specifier, dir, kind) ?? { kind: 'unseen', why: `'${packageName(specifier)}' is a package, which the analysis does not read`, installed: true };
  }

  /**
   * A package of the repository itself, linked into `node_modules` by a package manager's workspaces
   * (npm, yarn, pnpm): found where esbuild finds a package (the `node_modules` of each folder up from
   * the importer), and followed when its real path is outside every `node_modules`, as code of the
   * repository (the bundle bundles it). Undefined for an installed package, which stays unread.
   */
  private workspacePackage(specifier: string, dir: string, kind: ImportKind): Resolution | undefined {
    const name = packageName(specifier);
    if (!/^(@[^/\\.][^/\\]*\/)?[^/\\.][^/\\]*$/.test(name)) return undefined;
    const unseen = (why: string) => notFollowed(specifier, why);
    // A package naming itself (`exports` of its own package.json) is not followed.
    if (this.configs.packageJsonFor(dir)?.name === name) return unseen('names the package it is in');
    for (let at = dir; ; at = dirname(at)) {
      // (A folder without node_modules, the most of them, costs one look.)
      if (basename(at) !== 'node_modules' && this.reader.pathExists(join(at, 'node_modules')) === true) {
        const candidate = join(at, 'node_modules', name);
        const exists = this.reader.pathExists(candidate);
        if (exists instanceof Error) return undefined;
        // A file of that name beside it (`node_modules/name.ts`) comes first for esbuild.
        if (EXTENSIONS.some((ext) => this.reader.pathExists(candidate + ext) === true)) return unseen('has a file of its name beside its folder');
        if (exists) return kind === 'require' ? unseen('is a package of the repository loaded with require') : this.inWorkspacePackage(candidate, specifier.slice(name.length), specifier);
      }
      if (dirname(at) === at) return undefined;
    }
  }

  /** `subpath` (empty, or `/…`) of the package found at `linked`, as esbuild resolves it on platform node. */
  private inWorkspacePackage(linked: string, subpath: string, specifier: string): Resolution | undefined {
    const root = this.reader.realPath(linked);
    if (root.split(/[\\/]/).includes('node_modules')) return undefined;
    const unseen = (why: string) => notFollowed(specifier, why);
    const pkg = this.configs.packageJsonAt(root);
    if (pkg?.error || pkg?.duplicateKeys) return unseen(`is a package whose package.json the analysis does not read as the bundle does`);
    // `..` is applied to the link's path by the bundle, not to the package's real folder.
    if (subpath.split('/').includes('..') || (typeof pkg?.main === 'string' && pkg.main.split(/[\\/]/).includes('..'))) return unseen('goes up from the package folder');
    if (pkg && pkg.exports !== undefined && pkg.exports !== null) {
      // `exports` is all there is of the package: a string, a list or conditions are its `.`.
      const exports = pkg.exports;
      const keys = typeof exports === 'object' && !Array.isArray(exports) ? Object.keys(exports as object) : [];
      const dotted = keys.filter((k) => k.startsWith('.')).length;
      if (dotted > 0 && dotted < keys.length) return unseen(`has "exports" that mix paths and conditions in ${pkg.path}`);
      const map = dotted > 0 ? (exports as Record<string, unknown>) : { '.': exports };
      const match = mapTarget(map, `.${subpath}`);
      const target = match && resolveTarget(match.target, match.star, CONDITIONS);
      if (target === INVALID) return unseen(`maps to a target the analysis does not follow in ${pkg.path}`);
      // The bundle refuses what the package does not export.
      if (target === undefined || target === null) return { kind: 'unresolved', why: `'${specifier}' is not among the "exports" of ${pkg.path} (or matches none of their conditions)` };
      if (!validTarget(target)) return unseen(`maps to '${target}' in ${pkg.path}`);
      const path = resolve(root, target);
      const found = this.targetFile(path);
      return found ? this.file(found, specifier) : unseen(`maps to ${path}, which does not exist`);
    }
    if (subpath !== '') {
      const found = this.loadAsFileOrDirectory(join(root, subpath.slice(1)));
      return found ? this.file(found, specifier) : unseen('names no file of the package');
    }
    // esbuild's main fields on platform node, in order; without them, the folder's index.
    const main = [pkg?.main, pkg?.module].find((f): f is string => typeof f === 'string');
    if (main !== undefined) {
      const found = this.loadAsFileOrDirectory(join(root, main));
      return found ? this.file(found, specifier) : unseen(`names a main file in ${pkg!.path} that does not resolve`);
    }
    const index = this.indexIn(root);
    return index ? this.file(index, specifier) : unseen('is a package without a main file');
  }

  private file(path: string, specifier: string): Resolution {
    const ext = extname(path);
    if (!READABLE.has(ext)) return { kind: 'unseen', why: `'${specifier}' is a ${ext || 'extensionless'} file, which the analysis does not read` };
    return { kind: 'file', path: this.reader.realPath(path) };
  }

  /** A file exists at `path` (stops the resolution when it exists but cannot be read, or a limit is hit). */
  private isFile(path: string): boolean {
    const text = this.reader.read(path);
    if (text instanceof ReadLimit) throw new Stop({ kind: 'limit', why: text.message });
    if (text instanceof Error) throw new Stop({ kind: 'unresolved', why: `${path} cannot be read (${text.message})` });
    return text !== undefined;
  }

  private loadAsFile(path: string): string | undefined {
    if (this.isFile(path)) return path;
    for (const ext of EXTENSIONS) if (this.isFile(path + ext)) return path + ext;
    return this.rewritten(path);
  }

  /** A map's target: the file itself (no extension is added), or its `.ts` for a `.js`. */
  private targetFile(path: string): string | undefined {
    return this.isFile(path) ? path : this.rewritten(path);
  }

  /** TypeScript's rewrite: `./x.js` may name `x.ts`. */
  private rewritten(path: string): string | undefined {
    const ext = extname(path);
    for (const to of REWRITES[ext] ?? []) {
      const candidate = path.slice(0, -ext.length) + to;
      if (this.isFile(candidate)) return candidate;
    }
    return undefined;
  }

  private loadAsFileOrDirectory(path: string): string | undefined {
    const file = this.loadAsFile(path);
    if (file) return file;
    const pkg = this.configs.packageJsonAt(path);
    if (pkg?.error) throw new Stop({ kind: 'unresolved', why: pkg.error });
    if (pkg?.hasMainFields) throw new Stop({ kind: 'unseen', why: `${pkg.path} names the folder's main file, which the analysis does not follow` });
    return this.indexIn(path);
  }

  /** The folder's `index` file, with the first extension that exists. */
  private indexIn(folder: string): string | undefined {
    for (const ext of EXTENSIONS) {
      const index = join(folder, `index${ext}`);
      if (this.isFile(index)) return index;
    }
    return undefined;
  }

  /** `compilerOptions.paths`: an exact key first, then the pattern with the longest prefix. */
  private matchPaths(paths: NonNullable<ReturnType<Configs['tsconfigFor']>>['paths'] & object, specifier: string): string | undefined {
    const targets = paths.map.get(specifier);
    let matched: { targets: readonly string[]; star: string } | undefined;
    if (targets && !specifier.includes('*')) matched = { targets, star: '' };
    else {
      let best = -1;
      let bestSuffix = -1;
      for (const [key, ts] of paths.map) {
        const i = key.indexOf('*');
        if (i < 0) continue;
        const prefix = key.slice(0, i);
        const suffix = key.slice(i + 1);
        if (specifier.length >= prefix.length + suffix.length && specifier.startsWith(prefix) && specifier.endsWith(suffix) && (prefix.length > best || (prefix.length === best && suffix.length > bestSuffix))) {
          best = prefix.length;
          bestSuffix = suffix.length;
          matched = { targets: ts, star: specifier.slice(prefix.length, specifier.length - suffix.length) };
        }
      }
    }
    if (!matched) return undefined;
    for (const target of matched.targets) {
      const t = target.replace('*', matched.star);
      if (/\.d\.ts$/i.test(t)) continue;
      const found = this.loadAsFileOrDirectory(isAbsolute(t) ? t : join(paths.base, t));
      if (found) return found;
    }
    return undefined;
  }

  /** `#name` through the package.json `imports` map, with the conditions an import statement has on node. */
  private packageImport(pkg: PackageJson, specifier: string, kind: ImportKind): Resolution {
    if (specifier === '#' || specifier.startsWith('#/')) return { kind: 'unresolved', why: `'${specifier}' is not a valid package import` };
    const imports = pkg.imports;
    if (typeof imports !== 'object' || imports === null || Array.isArray(imports)) return { kind: 'unresolved', why: `the "imports" of ${pkg.path} are not an object` };
    if (pkg.duplicateKeys) return { kind: 'unseen', why: `${pkg.path} repeats a key, which bundlers read differently (the first or the last)` };
    const match = mapTarget(imports as Record<string, unknown>, specifier);
    if (match === undefined) return { kind: 'unresolved', why: `'${specifier}' is not in the "imports" of ${pkg.path}` };
    const resolved = resolveTarget(match.target, match.star, kind === 'require' ? REQUIRE_CONDITIONS : CONDITIONS);
    if (resolved === INVALID) return { kind: 'unseen', why: `'${specifier}' maps to a target the analysis does not follow in the "imports" of ${pkg.path}` };
    if (resolved === undefined || resolved === null) return { kind: 'unresolved', why: `'${specifier}' matches no condition in the "imports" of ${pkg.path}` };
    if (!resolved.startsWith('./')) {
      // Mapped to a package (or something the analysis does not follow).
      return isPackagePath(resolved) ? { kind: 'unseen', why: `'${specifier}' names the package '${packageName(resolved)}', which the analysis does not read` } : { kind: 'unresolved', why: `'${specifier}' maps to '${resolved}', which is not a valid target` };
    }
    if (!validTarget(resolved)) return { kind: 'unresolved', why: `'${specifier}' maps to '${resolved}', which is not a valid target` };
    const path = resolve(pkg.dir, resolved);
    const found = this.targetFile(path);
    return found ? this.file(found, specifier) : { kind: 'unresolved', why: `'${specifier}' maps to ${path}, which does not exist` };
  }
}

/**
 * The conditions esbuild matches for an `import` statement on platform node: Node's (`import`, `node`,
 * `default`) and its own default `module` (measured: `{ "module": …, "default": … }` bundles the first).
 */
const CONDITIONS: ReadonlySet<string> = new Set(['default', 'import', 'node', 'module']);
/** The same for `require` (and `import x = require`). */
const REQUIRE_CONDITIONS: ReadonlySet<string> = new Set(['default', 'require', 'node', 'module']);

export type ImportKind = 'import' | 'require';

/** A target the analysis does not work out (nested too deeply, a condition object with a path key). */
const INVALID = Symbol('invalid target');

/**
 * A target of an `imports` or `exports` map with Node's PACKAGE_TARGET_RESOLVE: a string; the first
 * entry of a list that resolves; the first matching condition of an object, whose value decides
 * (null, false, a number or an empty list stop the resolution: null here). Undefined when no
 * condition matches (the next one is tried).
 */
function resolveTarget(target: unknown, star: string | undefined, conditions: ReadonlySet<string>, depth = 0): string | null | undefined | typeof INVALID {
  if (depth > 32) return INVALID;
  if (typeof target === 'string') return star === undefined ? target : target.replaceAll('*', star);
  if (Array.isArray(target)) {
    for (const t of target) {
      const r = resolveTarget(t, star, conditions, depth + 1);
      if (r === INVALID) return INVALID;
      if (typeof r === 'string') return r;
    }
    return null;
  }
  if (typeof target === 'object' && target !== null) {
    const keys = Object.keys(target);
    if (keys.some((k) => k.startsWith('.'))) return INVALID;
    for (const key of keys) {
      if (!conditions.has(key)) continue;
      const r = resolveTarget((target as Record<string, unknown>)[key], star, conditions, depth + 1);
      if (r !== undefined) return r;
    }
    return undefined;
  }
  return null;
}

/**
 * The entry of a package.json `imports` or `exports` map for `key`: the key itself, else the pattern
 * (`./lib/*`) that matches it best, with what `*` stands for.
 */
function mapTarget(map: Record<string, unknown>, key: string): { target: unknown; star?: string } | undefined {
  if (Object.prototype.hasOwnProperty.call(map, key) && !key.includes('*')) return map[key] === undefined ? undefined : { target: map[key] };
  let bestKey: string | undefined;
  for (const k of Object.keys(map)) {
    const i = k.indexOf('*');
    if (i < 0 || k.indexOf('*', i + 1) >= 0) continue;
    const prefix = k.slice(0, i);
    const suffix = k.slice(i + 1);
    if (key !== prefix && key.startsWith(prefix) && key.length >= k.length && key.endsWith(suffix) && (bestKey === undefined || patternKeyCompare(bestKey, k) > 0)) bestKey = k;
  }
  if (bestKey === undefined) return undefined;
  const i = bestKey.indexOf('*');
  return { target: map[bestKey], star: key.slice(i, key.length - (bestKey.length - i - 1)) };
}

/** A package the analysis does not follow, and why. */
function notFollowed(specifier: string, why: string): Resolution {
  return { kind: 'unseen', why: `'${specifier}' ${why}, which the analysis does not follow` };
}

/** A target inside its package: `./…`, with no `.`, `..` or `node_modules` segment after it. */
function validTarget(target: string): boolean {
  if (!target.startsWith('./')) return false;
  return !target.slice(2).split(/[\\/]/).some((s) => s === '.' || s === '..' || s === 'node_modules');
}

/** Node's PATTERN_KEY_COMPARE: the key with the longer prefix before `*` first, then the longer key. */
function patternKeyCompare(a: string, b: string): number {
  const ai = a.indexOf('*');
  const bi = b.indexOf('*');
  const baseA = ai < 0 ? a.length : ai + 1;
  const baseB = bi < 0 ? b.length : bi + 1;
  if (baseA > baseB) return -1;
  if (baseB > baseA) return 1;
  if (ai < 0) return 1;
  if (bi < 0) return -1;
  if (a.length > b.length) return -1;
  if (b.length > a.length) return 1;
  return 0;
}

/** esbuild's test: anything not starting with `/`, `./`, `../` (or being `.`/`..`) names a package. */
export function isPackagePath(specifier: string): boolean {
  return !specifier.startsWith('/') && !specifier.startsWith('./') && !specifier.startsWith('../') && specifier !== '.' && specifier !== '..';
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}
