/**
 * The pipeline modules of the workspace's folders, found on disk: a rename of a task must reach the
 * pipelines that import its Dag even when none of them is open. The VS Code client finds the same set
 * for the side panel with `workspace.findFiles` (`client/src/invalidationPanel.ts`); the server looks
 * for itself because a rename comes straight from the editor, and other editors have no such request.
 */
import fg from 'fast-glob';

/** Like the client's search: `*.alamode.ts` outside `node_modules`, at most this many per folder. */
const LIMIT = 5000;

export async function pipelineModulesIn(folders: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const cwd of folders) {
    const files = await fg('**/*.alamode.ts', {
      cwd,
      absolute: true,
      ignore: ['**/node_modules/**'],
      // A folder that cannot be read is left out, as the client's search leaves it out.
      suppressErrors: true,
      followSymbolicLinks: false,
    });
    found.push(...files.sort().slice(0, LIMIT));
  }
  return found;
}
