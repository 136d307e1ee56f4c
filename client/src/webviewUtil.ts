/** Small helpers shared by the webviews. */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/** A fresh nonce per HTML document, so only our own script tags run (the CSP names it). */
export function nonce(): string {
  return randomBytes(18).toString('base64url');
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface WebviewPage {
  readonly webview: vscode.Webview;
  /** The folder the webview's script and stylesheet are in (one of its `localResourceRoots`). */
  readonly media: vscode.Uri;
  /** File names in `media`, e.g. `panel.js` and `panel.css`. */
  readonly script: string;
  readonly style: string;
  readonly title: string;
  /** Trusted HTML for the body (escape anything that came from a file). */
  readonly body: string;
  readonly bodyAttributes?: string;
}

/**
 * One HTML document for a webview, as the extension samples build them: a strict CSP (nothing by
 * default; our stylesheet, images and fonts from the extension; only the script carrying this
 * document's nonce), resources through `asWebviewUri`.
 */
export function webviewHtml(page: WebviewPage): string {
  const n = nonce();
  const { webview } = page;
  const style = webview.asWebviewUri(vscode.Uri.joinPath(page.media, page.style));
  const script = webview.asWebviewUri(vscode.Uri.joinPath(page.media, page.script));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${webview.cspSource}; img-src ${webview.cspSource}; font-src ${webview.cspSource}; script-src 'nonce-${n}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>${escapeHtml(page.title)}</title>
</head>
<body${page.bodyAttributes ? ` ${page.bodyAttributes}` : ''}>
${page.body}
<script nonce="${n}" src="${script}"></script>
</body>
</html>`;
}
