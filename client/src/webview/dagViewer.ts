/**
 * The `.dag` viewer's webview script: the "Open as Text" button, copying IDs, and the task filter.
 * The HTML itself is rendered by the extension; this only adds behaviour.
 */
interface VsCodeApi {
  postMessage(message: { type: 'openAsText' } | { type: 'copy'; text: string }): void;
  getState(): { filter?: string } | undefined;
  setState(state: { filter?: string }): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

document.getElementById('open-as-text')?.addEventListener('click', () => vscode.postMessage({ type: 'openAsText' }));

document.addEventListener('click', (event) => {
  const id = (event.target as Element).closest<HTMLElement>('[data-copy]');
  if (id) vscode.postMessage({ type: 'copy', text: id.dataset.copy! });
});

const filter = document.getElementById('filter') as HTMLInputElement | null;
const tasks = Array.from(document.querySelectorAll<HTMLElement>('article.task'));
const noMatch = document.getElementById('no-match');

function applyFilter(text: string): void {
  const needle = text.trim().toLowerCase();
  let visible = 0;
  for (const t of tasks) {
    const show = needle === '' || (t.dataset.task ?? '').toLowerCase().includes(needle);
    t.hidden = !show;
    if (show) visible++;
  }
  if (noMatch) noMatch.hidden = visible > 0 || tasks.length === 0;
}

if (filter) {
  // The filter survives the page being re-rendered when the file changes on disk, and reloads.
  filter.value = vscode.getState()?.filter ?? '';
  applyFilter(filter.value);
  filter.addEventListener('input', () => {
    applyFilter(filter.value);
    vscode.setState({ filter: filter.value });
  });
}
