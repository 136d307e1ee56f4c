/**
 * A full garbage collection once the server has been quiet for a while after work.
 *
 * V8 grows its heap while the user types (every keystroke makes a new model of a pipeline that may
 * have thousands of tasks) and gives the memory back only much later: the server sat at ~260 MB
 * resident for half a minute after typing in a 3,001-task module stopped, until V8's own memory
 * reducer ran. A full collection once things are quiet lets V8 release those pages at once (~165 MB
 * there). It runs once per quiet spell, never while requests are arriving. Node only offers `gc()` with
 * `--expose-gc`; the flag is set at run time (the server is also started by editors we do not
 * launch), and where that is refused nothing happens.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** How long without work before collecting: longer than the pauses of someone typing. */
const QUIET_MS = 2_000;

export class IdleCollector {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly collect = loadGc();

  /**
   * `onQuiet` runs first, each quiet spell, while what the work compiled is still in memory (the
   * launcher writes its code cache then: `launch.ts`).
   */
  constructor(private readonly onQuiet: () => void = () => {}) {}

  /** Work happened (or will): collect once it has been quiet for a while. */
  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.onQuiet();
      // Twice: measured on a 3,001-task module, one collection left the server at ~200 MB, two at
      // ~165 MB (what the first frees makes more of the heap free to compact). ~40 ms each, once.
      this.collect?.();
      this.collect?.();
    }, QUIET_MS);
    // Never the reason the process stays alive.
    this.timer.unref();
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}

function loadGc(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}
