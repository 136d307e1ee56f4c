// The client's esbuild entries, spread into the project's builds by esbuild.mjs (which adds the shared
// options: node20, cjs, source maps unless --production). Run alone (`node client/build.mjs`) to build
// only the client, e.g. while the server does not build.

/**
 * The TypeScript server plugin must be a package in the extension's own node_modules for VS Code's
 * TypeScript extension to find it (`contributes.typescriptServerPlugins`). Its package lives in
 * `client/typescript-plugin/` (its package.json is committed, its index.js built here), and the
 * manifest lists it as a `file:` devDependency, so npm links it into node_modules and never prunes it.
 * `client/package.mjs` puts it at `node_modules/alamode-typescript-plugin/` inside the .vsix.
 */
const PLUGIN_DIR = 'client/typescript-plugin';

const browser = { platform: 'browser', format: 'iife', target: 'es2022' };

export const clientBuilds = [
  { entryPoints: ['client/src/extension.ts'], outfile: 'client/out/extension.cjs', external: ['vscode'] },
  // Webview scripts run in the browser sandbox of the webview, not in Node.
  { entryPoints: ['client/src/webview/panel.ts'], outfile: 'client/out/panel.js', ...browser },
  { entryPoints: ['client/src/webview/dagViewer.ts'], outfile: 'client/out/dagViewer.js', ...browser },
  { entryPoints: ['client/src/webview/panel.css'], outfile: 'client/out/panel.css' },
  { entryPoints: ['client/src/webview/dagViewer.css'], outfile: 'client/out/dagViewer.css' },
  {
    entryPoints: ['client/src/tsPlugin.ts'],
    outfile: `${PLUGIN_DIR}/index.js`,
    // tsserver hands the plugin its own `typescript`; `module.exports` must be the factory itself.
    external: ['typescript'],
    footer: { js: 'module.exports = module.exports.default;' },
    sourcemap: false,
  },
];

// `node client/build.mjs [--production]`: the client alone, with the same options as esbuild.mjs.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const esbuild = await import('esbuild');
  const production = process.argv.includes('--production');
  const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: production ? false : 'linked', minify: production, logLevel: 'warning' };
  await Promise.all(clientBuilds.map((b) => esbuild.build({ ...common, ...b })));
  console.log('client built');
}
