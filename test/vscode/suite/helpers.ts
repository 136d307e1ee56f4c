/** Waiting on conditions (never fixed sleeps), and screenshots/DOM dumps through the runner. */
import * as fs from 'node:fs';
import * as path from 'node:path';

export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface FrameDump {
  url: string;
  title: string;
  html: string;
  text: string;
}

/**
 * Asks the code-server runner for a screenshot (saved for people to look at) and, with `frames`, the
 * DOM of every frame; with `click`, it first clicks the first element matching that selector in any
 * frame, as a user would (webviews are out of the extension host's reach). Returns undefined where
 * there is no runner (e.g. under @vscode/test-electron).
 */
export async function capture(name: string, frames = false, click?: string): Promise<FrameDump[] | undefined> {
  const dir = process.env.ALAMODE_SCREENSHOT_REQUESTS;
  if (!dir) return undefined;
  for (const ext of ['png', 'error', 'frames.json']) fs.rmSync(path.join(dir, `${name}.${ext}`), { force: true });
  fs.writeFileSync(path.join(dir, `${name}.request`), JSON.stringify({ frames, ...(click ? { click } : {}) }));
  await waitFor(`screenshot ${name}`, () => fs.existsSync(path.join(dir, `${name}.png`)) || fs.existsSync(path.join(dir, `${name}.error`)) || undefined);
  if (fs.existsSync(path.join(dir, `${name}.error`))) throw new Error(`screenshot ${name}: ${fs.readFileSync(path.join(dir, `${name}.error`), 'utf8')}`);
  return frames ? (JSON.parse(fs.readFileSync(path.join(dir, `${name}.frames.json`), 'utf8')) as FrameDump[]) : undefined;
}
