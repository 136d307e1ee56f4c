/**
 * The invalidation panel on a 3,001-task pipeline: how long the server takes to answer `alamode/diff`
 * after an edit, and how long the panel's webview script takes to draw the answer (counts, list, DAG
 * layout) in Chromium, for edits whose blast radius is the whole DAG, half of it, or a few tasks.
 * The base is the `.dag` that `alamode encode` writes for the unedited module. Screenshots of each
 * panel land in `test-results/bench/` (look at them). Needs Debian's chromium (`npm test` installs it).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DidChangeTextDocumentNotification, DidOpenTextDocumentNotification } from 'vscode-languageserver-protocol/node';
import { forPanel, type DiffResult, type PanelView } from '../../client/src/panelProtocol';
import { DiffRequest } from '../../server/src/protocol';
import { generateLargeModule } from '../analysis/generate';
import { cliPath } from '../support/cli';
import { openPanelPage } from '../support/panelPage';
import { repoRoot } from '../support/paths';
import { startServer } from './lspBench';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchPanel(tasks = 3001): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'alamode-panel-bench-'));
  const shots = join(repoRoot, 'test-results', 'bench');
  mkdirSync(shots, { recursive: true });
  const { connection, stop } = await startServer();
  const panel = await openPanelPage();
  try {
    const text = generateLargeModule(tasks);
    const module = join(dir, 'ladder.alamode.ts');
    writeFileSync(module, text);
    execFileSync(process.execPath, [cliPath, 'encode', module, '--out', join(dir, 'ladder.dag')]);
    const base = { kind: 'dag' as const, bencoded: readFileSync(join(dir, 'ladder.dag')).toString('base64'), label: 'ladder.dag' };
    const uri = pathToFileURL(module).href;
    await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'typescript', version: 1, text } });

    const lines = text.split('\n');
    const taskLines = lines.map((l, i) => (l.includes('dag.task(') ? i : -1)).filter((i) => i >= 0);
    const scenarios = [
      { what: 'edit at the root', line: taskLines[0]! },
      { what: 'edit halfway down', line: taskLines[Math.floor(taskLines.length / 2)]! },
      { what: 'edit near the end', line: taskLines[taskLines.length - 4]! },
    ];
    console.log(`\n## invalidation panel: ${tasks}-task module against its .dag (server over stdio; webview in Chromium)`);
    console.log(`${'edit'.padEnd(20)}${'affected'.padStart(9)}${'diff ms'.padStart(9)}${'draw ms'.padStart(9)}${'redraw'.padStart(8)}${'layout'.padStart(8)}  graph`);
    let version = 1;
    for (const [k, scenario] of scenarios.entries()) {
      const column = lines[scenario.line]!.indexOf("sha: '") + 6;
      const diffMs: number[] = [];
      let result: DiffResult | undefined;
      // Typing: five characters into one sha (each scenario starts from the committed text), each
      // followed by the panel's request (as its debounce would send it).
      for (let i = 1; i <= 5; i++) {
        version++;
        const edited = lines.map((l, n) => (n === scenario.line ? `${l.slice(0, column)}${'x'.repeat(i)}${l.slice(column)}` : l)).join('\n');
        await connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text: edited }] });
        const t0 = performance.now();
        const answer = await connection.sendRequest(DiffRequest.type, { uri, base });
        diffMs.push(performance.now() - t0);
        if (answer.kind !== 'diff') throw new Error(`no diff: ${answer.reason}`);
        result = answer as DiffResult;
      }
      for (const graphLimit of [400, 10_000]) {
        const view: PanelView = { kind: 'diff', uri, fileName: 'ladder.alamode.ts', result: forPanel(result!), graphLimit };
        const first = await panel.render(view);
        const again = await panel.render(view);
        const counts = first.info.counts!;
        const affected = counts.changed + counts.invalidated;
        const graph = first.info.graph!;
        const label = graphLimit === 400 ? scenario.what : `  (graphLimit ${graphLimit.toLocaleString('en-US')})`;
        console.log(
          `${label.padEnd(20)}${String(affected).padStart(9)}${(graphLimit === 400 ? median(diffMs).toFixed(0) : '').padStart(9)}${first.ms.toFixed(0).padStart(9)}${again.ms.toFixed(0).padStart(8)}${graph.layoutMs.toFixed(0).padStart(8)}  ${graph.mode}, ${graph.nodes} nodes`,
        );
        await panel.page.screenshot({ path: join(shots, `panel-${k + 1}-${graphLimit}.png`) });
      }
    }
    console.log(`(diff ms: median of 5 keystrokes, the server's answer; draw: the webview from message to painted frame; redraw: the same answer again; layout: dagre's part of the draw.) Screenshots: ${shots}`);
  } finally {
    await panel.close();
    await stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
