/**
 * A TypeScript server plugin (`alamode-typescript-plugin`): gives pipeline modules the `a-la-mode`
 * type declarations even where the package is not installed, so `dag.task` completes and
 * "Cannot find module 'a-la-mode'" does not appear. It only fills in when normal resolution fails:
 * an installed `a-la-mode` (any version) always wins.
 *
 * VS Code's TypeScript extension loads it from this extension's `node_modules/alamode-typescript-plugin/`
 * (`contributes.typescriptServerPlugins`); esbuild.mjs builds it there from this file. It runs inside
 * tsserver, with tsserver's own `typescript` module, so nothing of TypeScript is bundled.
 */
import type * as ts from 'typescript';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const MODULE_NAME = 'a-la-mode';

/** The runtime's declarations, as `npm run build` produces them, relative to `node_modules/<plugin>/`. */
export function declarationsPath(pluginDir: string): string {
  return join(pluginDir, '..', '..', 'server', 'a-la-mode', 'dist', 'types', 'runtime', 'index.d.ts');
}

type Resolved = ts.ResolvedModuleWithFailedLookupLocations;

function init(modules: { typescript: typeof ts }): ts.server.PluginModule {
  const typescript = modules.typescript;

  function create(info: ts.server.PluginCreateInfo): ts.LanguageService {
    const declarations = declarationsPath(__dirname);
    const log = (message: string) => info.project.projectService.logger.info(`[alamode-typescript-plugin] ${message}`);
    if (!existsSync(declarations)) {
      log(`no declarations at ${declarations}; leaving module resolution alone`);
      return info.languageService;
    }
    const ours: ts.ResolvedModuleFull = { resolvedFileName: declarations, extension: typescript.Extension.Dts, isExternalLibraryImport: true };
    // Keep the failed lookups of the normal resolution: tsserver watches them, so installing the package
    // later switches the module over to the installed one.
    const fillIn = (name: string, result: Resolved): Resolved => (result.resolvedModule || name !== MODULE_NAME ? result : { ...result, resolvedModule: ours });

    const host = info.languageServiceHost;
    if (host.resolveModuleNameLiterals) {
      // TypeScript 5+: the host resolves whole files at once.
      const original = host.resolveModuleNameLiterals.bind(host);
      host.resolveModuleNameLiterals = (literals, containingFile, redirectedReference, options, containingSourceFile, reusedNames) =>
        original(literals, containingFile, redirectedReference, options, containingSourceFile, reusedNames).map((r, i) => fillIn(literals[i]!.text, r));
    } else if (host.resolveModuleNames) {
      // Older TypeScript (a workspace version before 5): the per-name hook.
      const original = host.resolveModuleNames.bind(host);
      host.resolveModuleNames = (names, containingFile, reusedNames, redirectedReference, options, containingSourceFile) =>
        original(names, containingFile, reusedNames, redirectedReference, options, containingSourceFile).map((r, i) => r ?? (names[i] === MODULE_NAME ? ours : undefined));
    } else {
      // A host with neither hook uses TypeScript's default resolution; take it over with the same rule.
      host.resolveModuleNameLiterals = (literals, containingFile, redirectedReference, options, containingSourceFile) =>
        literals.map((literal) => {
          const mode = typescript.getModeForUsageLocation?.(containingSourceFile, literal, options);
          return fillIn(literal.text, typescript.resolveModuleName(literal.text, containingFile, options, host, undefined, redirectedReference, mode));
        });
    }
    log(`'${MODULE_NAME}' falls back to ${declarations}`);
    return info.languageService;
  }

  return { create };
}

export default init;
