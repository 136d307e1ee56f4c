/**
 * The invalidation panel's webview outside VS Code: its built script and stylesheet in a Chromium page,
 * with a stand-in for the webview API that records what the script posts. Messages go in as VS Code
 * sends them (`window.postMessage`, so they are structured-cloned the same way). Used by the webview
 * tests and `npm run bench panel`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { PanelView, RenderedInfo } from '../../client/src/panelProtocol';
import { CHROMIUM_ARGS } from '../vscode/runInCodeServer.mjs';
import { repoRoot } from './paths';

/** A dark theme's colours for the `--vscode-*` variables the panel uses (VS Code injects them in a real webview). */
const THEME = `
  --vscode-font-family: system-ui, sans-serif; --vscode-font-size: 13px; --vscode-editor-font-family: monospace;
  --vscode-foreground: #cccccc; --vscode-descriptionForeground: #9d9d9d; --vscode-disabledForeground: #6f6f6f;
  --vscode-sideBar-background: #181818; --vscode-editor-background: #1f1f1f; --vscode-panel-border: #2b2b2b;
  --vscode-widget-border: #313131; --vscode-focusBorder: #0078d4; --vscode-list-hoverBackground: #2a2d2e;
  --vscode-textLink-foreground: #4daafc; --vscode-textLink-activeForeground: #4daafc; --vscode-textPreformat-foreground: #d0d0d0;
  --vscode-textBlockQuote-background: #2b2b2b; --vscode-editorError-foreground: #f85149; --vscode-editorWarning-foreground: #cca700;
  --vscode-gitDecoration-addedResourceForeground: #81b88b; --vscode-gitDecoration-deletedResourceForeground: #c74e39;
  --vscode-symbolIcon-propertyForeground: #cccccc; --vscode-symbolIcon-interfaceForeground: #75beff; --vscode-charts-purple: #b180d7;
  --vscode-button-secondaryBackground: #313131; --vscode-button-secondaryForeground: #cccccc; --vscode-button-secondaryHoverBackground: #3c3c3c;
  --vscode-button-border: #2b2b2b;`;

function panelHtml(): string {
  const out = join(repoRoot, 'client', 'out');
  return `<!DOCTYPE html><html><head><meta charset="UTF-8"><style>:root {${THEME}} body { background: var(--vscode-sideBar-background); }</style>
<style>${readFileSync(join(out, 'panel.css'), 'utf8')}</style></head>
<body><main id="panel" data-kind="loading"><p class="placeholder">Loading…</p></main>
<script>window.posts = []; window.acquireVsCodeApi = () => ({ postMessage: (m) => window.posts.push(m), getState: () => undefined, setState: () => {} });</script>
<script>${readFileSync(join(out, 'panel.js'), 'utf8')}</script></body></html>`;
}

export interface PanelPage {
  readonly page: Page;
  /** Sends a view to render; resolves when the panel reports it drawn and the frame is painted. */
  render(view: PanelView): Promise<{ ms: number; info: RenderedInfo }>;
  close(): Promise<void>;
}

export async function openPanelPage(): Promise<PanelPage> {
  const browser: Browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: [...CHROMIUM_ARGS] });
  const page = await browser.newPage({ viewport: { width: 420, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.stack ?? e.message));
  await page.setContent(panelHtml());
  return {
    page,
    async render(view) {
      // (The view goes in as `unknown`: Playwright's serialisable-argument type recurses too deep on it.)
      const drawn = await page.evaluate(async (v: unknown) => {
        const w = window as unknown as { posts: { type: string; info?: unknown }[] };
        w.posts = [];
        const t0 = performance.now();
        window.postMessage({ type: 'render', view: v }, '*');
        for (let waited = 0; !w.posts.some((p) => p.type === 'rendered'); waited++) {
          if (waited > 5000) return undefined;
          await new Promise((r) => setTimeout(r, 1));
        }
        await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
        return { ms: performance.now() - t0, info: w.posts.find((p) => p.type === 'rendered')!.info as RenderedInfo };
      }, view as unknown);
      if (!drawn || errors.length > 0) throw new Error(`the panel did not report a render${errors.length ? `: ${errors.join('\n')}` : ''}`);
      return drawn;
    },
    close: () => browser.close(),
  };
}
