// `npm run test:vscode`: the integration suite in a real VS Code (code-server + Debian's Chromium;
// see README.md beside this file). Builds a workspace that is a real git repository with a committed
// .dag and an uncommitted edit, runs test/vscode/suite in the extension host, and saves screenshots
// into test-results/vscode/ for people to look at.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runInCodeServer } from './runInCodeServer.mjs';
import { buildSuite, conformance, makeTestBin, makeWorkspace, root } from './workspace.mjs';

/** One run of the suite in a fresh workspace; `restricted` leaves workspace trust on (Restricted Mode). */
async function runSuite(suite, { restricted }) {
  const screenshots = join(root, 'test-results', restricted ? 'vscode-restricted' : 'vscode');
  rmSync(screenshots, { recursive: true, force: true });
  const workspace = makeWorkspace();
  const bin = makeTestBin();
  const started = Date.now();
  let code = 2;
  try {
    code = await runInCodeServer({
      extensionDevelopmentPath: root,
      extensionTestsPath: suite,
      workspace,
      screenshotDir: screenshots,
      timeoutMs: 240_000,
      restricted,
      env: { ALAMODE_CONFORMANCE: join(conformance, 'collage.json'), ALAMODE_RESTRICTED: restricted ? '1' : '0', ALAMODE_TEST_BIN: bin },
    });
  } finally {
    rmSync(workspace, { recursive: true, force: true });
    rmSync(bin, { recursive: true, force: true });
  }
  const mode = restricted ? 'in Restricted Mode' : 'in a trusted workspace';
  console.log(`vscode: integration suite ${mode} ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${screenshots}`);
  return code;
}

const suite = await buildSuite();
const trusted = await runSuite(suite, { restricted: false });
const restricted = await runSuite(suite, { restricted: true });
process.exitCode = trusted || restricted;
