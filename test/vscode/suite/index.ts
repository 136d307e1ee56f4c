/**
 * The integration suite's entry, as `@vscode/test-electron` (and our code-server runner) expect: a
 * module exporting `run()`, which runs mocha inside the extension host and rejects if a test fails.
 */
import Mocha from 'mocha';
import { extension } from './extension.test';
import { runs } from './run.test';
import { acrossFiles } from './acrossFiles.test';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  // In Restricted Mode (an untrusted workspace) every feature must still work: the analysis is static.
  // Tests that do not write to the workspace are tagged @restricted and run there a second time.
  if (process.env.ALAMODE_RESTRICTED === '1') mocha.grep(/@restricted/);
  mocha.suite.emit('pre-require', globalThis, 'extension.test', mocha);
  extension();
  runs();
  acrossFiles();
  return new Promise((resolve, reject) => {
    let passed = 0;
    const runner = mocha.run((failures) => {
      // The plain closing line, for readers that count tests: what ran, not what the grep left out.
      console.log(`vscode: ${passed} passed, ${failures} failed`);
      if (failures > 0) reject(new Error(`${failures} VS Code integration tests failed`));
      else if (passed === 0) reject(new Error('no VS Code integration test ran'));
      else resolve();
    });
    runner.on('pass', () => passed++);
  });
}
