/**
 * What `alamode run` prints while it runs: on a terminal, a live line per running task under the
 * finished ones (redrawn by `log-update`); otherwise plain lines, one per event, for logs and CI.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { createLogUpdate } from 'log-update';
import { formatDuration } from '../engine/describe';
import type { StoreLayout } from '../engine/layout';
import type { RunEvent, RunSummary, TaskResult } from '../engine/scheduler';

const short = (id: string) => id.slice(0, 12);

export interface Progress {
  event(e: RunEvent): void;
  /** A line of the engine's own (stopping, warnings). */
  note(line: string): void;
  done(summary: RunSummary): void;
}

const ANSI = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;

export function createProgress(out: NodeJS.WriteStream, layout: StoreLayout, names: readonly string[]): Progress {
  const total = names.length;
  const live = out.isTTY === true && !process.env.CI;
  const color = live && !process.env.NO_COLOR;
  const paint = (c: keyof typeof ANSI, s: string) => (color ? `\u001b[${ANSI[c]}m${s}\u001b[0m` : s);
  const width = Math.min(30, Math.max(4, ...names.map((n) => n.length)));
  const running = new Map<string, { id: string; since: number }>();
  let finished = 0;
  const storeShown = relative(process.cwd(), layout.root) || '.';
  const logShown = (log: string) => relative(process.cwd(), `${layout.root}/${log}`);

  const update = live ? createLogUpdate(out, { showCursor: true }) : undefined;
  const spinner = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let frame = 0;
  const draw = () => {
    if (!update) return;
    frame = (frame + 1) % spinner.length;
    const now = performance.now();
    const rows = [...running].map(([name, r]) => `${paint('yellow', spinner[frame]!)} ${name}  ${paint('dim', short(r.id))}  ${formatDuration(now - r.since)}`);
    update([...rows, paint('dim', `${finished}/${total} done, ${running.size} running`)].join('\n'));
  };
  const timer = live ? setInterval(draw, 100) : undefined;
  timer?.unref();

  const print = (line: string) => {
    if (update) {
      update.clear();
      out.write(`${line}\n`);
      draw();
    } else {
      out.write(`${line}\n`);
    }
  };

  const tail = (log: string | undefined): string[] => {
    if (!log) return [];
    try {
      const lines = readFileSync(`${layout.root}/${log}`, 'utf8').trimEnd().split('\n').filter((l) => !l.startsWith('alamode: '));
      return lines.slice(-10).map((l) => `    ${paint('dim', '│')} ${l}`);
    } catch {
      return [];
    }
  };

  const label = (s: string) => s.padEnd(8);
  const finishedLine = (r: TaskResult): string => {
    const name = r.name.padEnd(width);
    switch (r.status) {
      case 'ran': return `${paint('green', label('done'))}${name}  ${short(r.id)}  ${formatDuration(r.record?.durationMs ?? 0)}`;
      case 'reused': return `${paint('dim', label('reuse'))}${name}  ${short(r.id)}${r.sameAs ? `  (same output as '${r.sameAs}')` : r.waited ? '  (built by another run meanwhile)' : ''}`;
      case 'would-run': return `${label('would')}${name}  ${short(r.id)}  run${r.reason ? `  (${r.reason})` : ''}`;
      case 'failed': return `${paint('red', label('FAILED'))}${name}  ${short(r.id)}  ${r.reason ?? ''}${r.log ? `  (log: ${logShown(r.log)})` : ''}`;
      case 'interrupted': return `${paint('yellow', label('stopped'))}${name}  ${short(r.id)}  interrupted, nothing recorded`;
      case 'skipped': return `${paint('dim', label('skip'))}${name}  ${short(r.id)}  ${r.reason ?? ''}`;
      case 'not-run': return `${paint('dim', label('not run'))}${name}  ${short(r.id)}`;
    }
  };

  return {
    event(e) {
      switch (e.kind) {
        case 'started':
          running.set(e.name, { id: e.id, since: performance.now() });
          if (!live) print(`${label('run')}${e.name.padEnd(width)}  ${short(e.id)}`);
          else draw();
          break;
        case 'waiting':
          print(`${label('wait')}${e.name.padEnd(width)}  ${short(e.id)}  ${e.owner ? `being built by pid ${e.owner.pid} on ${e.owner.host}` : 'being built by another run'}`);
          break;
        case 'took-over':
          print(`${paint('yellow', label('note'))}${e.name.padEnd(width)}  ${short(e.id)}  took over the stale lock of pid ${e.from.pid} on ${e.from.host}`);
          break;
        case 'corrupt-record':
          print(`${paint('yellow', label('note'))}${e.name.padEnd(width)}  ${short(e.id)}  its success record is corrupt and ignored (${e.reason}); running it again`);
          break;
        case 'warning':
          print(`${paint('yellow', label('note'))}${e.name.padEnd(width)}  ${e.message}`);
          break;
        case 'finished': {
          if (running.delete(e.result.name) || e.result.status !== 'not-run') finished += 1;
          // Reused tasks on a terminal: one line each is noise for thousands; they are counted instead.
          if (live && e.result.status === 'reused') { draw(); break; }
          print(finishedLine(e.result));
          if (e.result.status === 'failed') for (const l of tail(e.result.log)) print(l);
          break;
        }
      }
    },
    note(line) {
      print(line);
    },
    done(summary) {
      if (timer) clearInterval(timer);
      update?.clear();
      update?.done();
      const c = summary.counts;
      const words = [
        c['would-run'] ? `${c['would-run']} would run` : `${c.ran} ran`,
        `${c.reused} reused`,
        ...(c.failed ? [paint('red', `${c.failed} failed`)] : []),
        ...(c.skipped ? [`${c.skipped} skipped`] : []),
        ...(c.interrupted ? [paint('yellow', `${c.interrupted} interrupted`)] : []),
        ...(c['not-run'] ? [`${c['not-run']} not run`] : []),
      ];
      out.write(`${words.join(', ')} in ${formatDuration(summary.ms)} · store ${storeShown}\n`);
    },
  };
}
