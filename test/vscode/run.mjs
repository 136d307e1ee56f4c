// `npm run test:vscode`: the integration suite in a real VS Code (code-server + Debian's Chromium;
// see README.md beside this file). Builds a workspace that is a real git repository with a committed
// .dag and an uncommitted edit, runs test/vscode/suite in the extension host, and saves screenshots
// into test-results/vscode/ for people to look at.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runInCodeServer } from './runInCodeServer.mjs';
import { buildSuite, conformance, makeWorkspace, root } from './workspace.mjs';

const screenshots = join(root, 'test-results', 'vscode');
rmSync(screenshots, { recursive: true, force: true });
const suite = await buildSuite();
const workspace = makeWorkspace();
const started = Date.now();
let code = 2;
try {
  code = await runInCodeServer({
    extensionDevelopmentPath: root,
    extensionTestsPath: suite,
    workspace,
    screenshotDir: screenshots,
    timeoutMs: 240_000,
    env: { ALAMODE_CONFORMANCE: join(conformance, 'collage.json') },
  });
} finally {
  rmSync(workspace, { recursive: true, force: true });
}
console.log(`vscode: integration suite ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${screenshots}`);
process.exitCode = code;
