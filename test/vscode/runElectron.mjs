// The same integration suite under @vscode/test-electron, for machines that can download VS Code
// (this project's machines cannot: use run.mjs, which drives code-server instead).
import { runTests } from '@vscode/test-electron';
import { join } from 'node:path';
import { buildSuite, conformance, makeTestBin, makeWorkspace, root } from './workspace.mjs';

const workspace = makeWorkspace();
await runTests({
  extensionDevelopmentPath: root,
  extensionTestsPath: await buildSuite(),
  launchArgs: [workspace, '--disable-extensions'],
  extensionTestsEnv: { ALAMODE_CONFORMANCE: join(conformance, 'collage.json'), ALAMODE_TEST_BIN: makeTestBin() },
});
