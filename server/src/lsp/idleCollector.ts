/**
 * Full garbage collections at moments the server chose: in the pauses of typing once the heap has
 * grown, and once the server has been quiet for a while after work.
 *
 * V8 grows its heap while the user types (every keystroke makes a new model of a pipeline that may
 * have thousands of tasks, ~30 MB of short-lived objects on a 3,001-task module) and collects when its
 * own limit is reached, which it sets at two to three times what is live: measured over LSP, the server
 * sat at ~230 MB resident while typing in that module (peaks of 320 MB), and at ~260 MB for half a
 * minute after typing stopped, until V8's memory reducer ran.
 *
 * - In a pause: once the heap holds 32 MB (or half what is live, when more) more than after the last
 *   collection, a collection runs when no request or change has arrived for 40 ms (someone typing
 *   pauses 100–300 ms between keys, so it rarely delays one). Measured on the same module: ~150 MB
 *   while typing (peaks ~175 MB), edit → lenses p50 unchanged, p90 ~10 ms more (a collection takes
 *   35–50 ms there); on a 10,001-task module 233 MB instead of 370, an edit 228 ms p50 instead of 204.
 * - Quiet: 2 s without work, two collections, so V8 gives the freed pages back at once (~110 MB).
 *
 * Collections this frequent would age the bytecode of functions a keystroke inside a string does not
 * run (the evaluator), and V8 drops bytecode that aged, so the next structural edit would compile them
 * again, cold: `--no-flush-bytecode` keeps it (set by the launcher before it compiles; see `launch.ts`).
 * Node only offers `gc()` with `--expose-gc`; the flags are set at run time here too (the server is also
 * started by editors we do not launch), and where that is refused nothing happens.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** How long without work before the last collections: longer than the pauses of someone typing. */
const QUIET_MS = 2_000;
/** How long without a request or change before a collection in a pause of typing. */
const PAUSE_MS = 40;
/**
 * How much the heap grows past what was live after the last collection before one in a pause: 32 MB,
 * or half what is live when more (a collection's cost grows with what is live, a 10,000-task module's
 * ~100 ms, and the pauses of typing do not).
 */
const GROWTH_BYTES = 32 * 1024 * 1024;
const GROWTH_OF_LIVE = 0.5;

/** The V8 flags the collector needs, also set by the launcher before it compiles the server. */
export const COLLECTOR_FLAGS = ['--expose-gc', '--no-flush-bytecode'] as const;

export class IdleCollector {
  private quietTimer: ReturnType<typeof setTimeout> | undefined;
  private pauseTimer: ReturnType<typeof setTimeout> | undefined;
  /** The heap's used size after the last collection (0 before the first: the first pause collects). */
  private live = 0;
  private readonly collect = loadGc();

  /**
   * `onQuiet` runs first, each quiet spell, while what the work compiled is still in memory (the
   * launcher writes its code cache then: `launch.ts`).
   */
  constructor(private readonly onQuiet: () => void = () => {}) {}

  /** A request or change arrived: a collection in a pause waits for the next pause. */
  busy(): void {
    if (this.pauseTimer === undefined) return;
    clearTimeout(this.pauseTimer);
    this.pauseTimer = this.afterPause();
  }

  /** Work happened (a model was built): collect in the next pause if the heap grew, and once quiet. */
  touch(): void {
    if (this.collect && this.pauseTimer === undefined && getHeapStatistics().used_heap_size > this.live + Math.max(GROWTH_BYTES, this.live * GROWTH_OF_LIVE)) {
      this.pauseTimer = this.afterPause();
    }
    clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => {
      this.onQuiet();
      // Twice: measured on a 3,001-task module, one collection left the server at ~200 MB, two at
      // ~165 MB (what the first frees makes more of the heap free to compact). ~40 ms each, once.
      this.collectNow(2);
    }, QUIET_MS);
    // Never the reason the process stays alive.
    this.quietTimer.unref();
  }

  dispose(): void {
    clearTimeout(this.quietTimer);
    clearTimeout(this.pauseTimer);
    this.pauseTimer = undefined;
  }

  /** `times` full collections, then what is live is the new baseline for the next pause's. */
  private collectNow(times: number): void {
    if (!this.collect) return;
    for (let i = 0; i < times; i++) this.collect();
    this.live = getHeapStatistics().used_heap_size;
  }

  private afterPause(): ReturnType<typeof setTimeout> {
    const timer = setTimeout(() => {
      this.pauseTimer = undefined;
      this.collectNow(1);
    }, PAUSE_MS);
    timer.unref();
    return timer;
  }
}

function loadGc(): (() => void) | undefined {
  try {
    for (const flag of COLLECTOR_FLAGS) setFlagsFromString(flag);
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}
