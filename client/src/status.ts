/**
 * The language status item of the active pipeline: how many tasks, how many without an output, how
 * many errors. The counts come from the server (`alamode/encodedDag`) and the diagnostics it publishes.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { encodedDag, Commands } from './commands';
import { activePipelineDocument, PIPELINE_SELECTOR, plural } from './pipelines';

/** Typing is coalesced: one request per pause, not per keystroke. */
const UPDATE_DELAY_MS = 300;

export interface StatusSnapshot {
  readonly uri: string;
  readonly tasks: number;
  readonly withoutOutput: number;
  readonly errors: number;
}

export class PipelineStatus implements vscode.Disposable {
  private readonly item = vscode.languages.createLanguageStatusItem('alamode.status', PIPELINE_SELECTOR);
  private readonly disposables: vscode.Disposable[] = [this.item];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private cancel: vscode.CancellationTokenSource | undefined;
  private last: StatusSnapshot | undefined;
  /** The counts from `alamode/encodedDag` for one document version. */
  private counted: { uri: string; version: number; hasDag: boolean; tasks: number; withoutOutput: number } | undefined;

  constructor(private readonly client: LanguageClient) {
    this.item.name = 'A La Mode';
    this.item.text = '$(type-hierarchy) A La Mode';
    this.item.command = { title: 'Show Invalidation', command: Commands.showInvalidation };
    this.disposables.push(
      vscode.window.onDidChangeActiveTextEditor(() => this.schedule(0)),
      vscode.workspace.onDidChangeTextDocument((e) => e.document === vscode.window.activeTextEditor?.document && this.schedule(UPDATE_DELAY_MS)),
      vscode.languages.onDidChangeDiagnostics((e) => {
        const active = activePipelineDocument();
        if (active && e.uris.some((u) => u.toString() === active.uri.toString())) this.schedule(UPDATE_DELAY_MS);
      }),
    );
    this.schedule(0);
  }

  /** The last counts shown (for tests). */
  snapshot(): StatusSnapshot | undefined {
    return this.last;
  }

  schedule(delay: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.update(), delay);
  }

  private async update(): Promise<void> {
    const document = activePipelineDocument();
    if (!document) return; // The item is only shown for pipeline modules anyway (its selector).
    const uri = document.uri.toString();
    const version = document.version;
    try {
      // One request per document version: a diagnostics change alone only recounts the errors.
      if (this.counted?.uri !== uri || this.counted.version !== version) {
        this.cancel?.cancel();
        const cancel = (this.cancel = new vscode.CancellationTokenSource());
        this.item.busy = true;
        const result = await encodedDag(this.client, document, cancel.token).finally(() => {
          if (this.cancel === cancel) this.item.busy = false;
        });
        if (cancel.token.isCancellationRequested) return;
        const dag = result.dags.find((d) => d.isDefaultExport) ?? result.dags[0];
        this.counted = { uri, version, hasDag: dag !== undefined, tasks: dag?.tasks.length ?? 0, withoutOutput: dag?.tasks.filter((t) => !t.output).length ?? 0 };
      }
      if (activePipelineDocument() !== document) return;
      const { hasDag, tasks, withoutOutput } = this.counted;
      const errors = vscode.languages.getDiagnostics(document.uri).filter((d) => d.source === 'alamode' && d.severity === vscode.DiagnosticSeverity.Error).length;
      this.last = { uri, tasks, withoutOutput, errors };
      this.item.text = hasDag ? `$(type-hierarchy) ${plural(tasks, 'task')}` : '$(type-hierarchy) no Dag';
      const parts = [withoutOutput === 0 ? 'every output known' : `${withoutOutput} without output`, plural(errors, 'error')];
      this.item.detail = hasDag ? parts.join(' · ') : 'this module defines no Dag';
      this.item.severity = errors > 0 ? vscode.LanguageStatusSeverity.Error : withoutOutput > 0 ? vscode.LanguageStatusSeverity.Warning : vscode.LanguageStatusSeverity.Information;
    } catch (e) {
      if (this.cancel?.token.isCancellationRequested) return;
      this.item.text = '$(type-hierarchy) A La Mode';
      this.item.detail = `unavailable: ${e instanceof Error ? e.message : String(e)}`;
      this.item.severity = vscode.LanguageStatusSeverity.Warning;
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.cancel?.cancel();
    for (const d of this.disposables) d.dispose();
  }
}
