/**
 * The store's locks in process: taken once, stale when the holder is gone (same machine: at once) or
 * its heartbeat stops (another machine: after the stale period, by the waiter's clock), never stale
 * while the heartbeat moves, and taken over by one waiter only.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { StoreLayout } from '../../server/src/engine/layout';
import { readOwner, selfIdentity, StoreLocks } from '../../server/src/engine/lock';

const scratch = mkdtempSync(join(tmpdir(), 'alamode-lock-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const ID = 'a'.repeat(64);

function store(): StoreLayout {
  const layout = new StoreLayout(mkdtempSync(join(scratch, 'store-')));
  mkdirSync(layout.locksRoot, { recursive: true });
  return layout;
}

/** A lock folder as another process would have left it. */
function foreignLock(layout: StoreLayout, owner: Record<string, unknown>): void {
  mkdirSync(layout.lock(ID));
  writeFileSync(join(layout.lock(ID), 'owner.json'), JSON.stringify({ token: 'foreign', since: new Date().toISOString(), user: 'x', ...owner }));
}

test('one holder at a time; released, it can be taken again', () => {
  const layout = store();
  const a = new StoreLocks(layout);
  const b = new StoreLocks(layout);
  const first = a.tryAcquire(ID, 't');
  assert.equal(first.kind, 'acquired');
  const second = b.tryAcquire(ID, 't');
  assert.equal(second.kind, 'busy');
  assert.equal(second.kind === 'busy' && second.owner?.pid, process.pid, 'the waiter is told who holds it');
  assert.equal(first.kind === 'acquired' && first.lock.lost(), undefined);
  if (first.kind === 'acquired') first.lock.release();
  const third = b.tryAcquire(ID, 't');
  assert.equal(third.kind, 'acquired');
  if (third.kind === 'acquired') third.lock.release();
});

test('a lock whose holder ran here and is gone is stale at once', () => {
  const layout = store();
  const me = selfIdentity();
  // PID 2^22 + 1 is above Linux's pid_max: no process has it.
  foreignLock(layout, { ...me, pid: 4194305, pidStart: '1' });
  const r = new StoreLocks(layout).tryAcquire(ID);
  assert.equal(r.kind, 'acquired');
  assert.equal(r.kind === 'acquired' && r.reclaimed?.token, 'foreign');
  if (r.kind === 'acquired') r.lock.release();
});

test('a lock held by a live process here is never stale', () => {
  const layout = store();
  foreignLock(layout, { ...selfIdentity() });
  const locks = new StoreLocks(layout, { staleMs: 0, heartbeatMs: 1000 });
  assert.equal(locks.tryAcquire(ID).kind, 'busy');
  assert.equal(locks.tryAcquire(ID).kind, 'busy');
});

test('another machine\'s lock: stale once its heartbeat has not moved for the stale period (waiter\'s clock); a moving heartbeat keeps it', () => {
  const layout = store();
  foreignLock(layout, { host: 'elsewhere', pid: 1 });
  let clock = 0;
  const locks = new StoreLocks(layout, { staleMs: 60_000, heartbeatMs: 5_000, now: () => clock });
  // The holder beats: each look, minutes apart, sees a new mtime, so it stays busy however long.
  for (let beat = 1; beat <= 10; beat++) {
    clock += 120_000;
    utimesSync(layout.lock(ID), beat * 1000, beat * 1000);
    assert.equal(locks.tryAcquire(ID).kind, 'busy');
  }
  // The heartbeat stops: still busy until the stale period has passed since it was last seen moving.
  clock += 59_000;
  assert.equal(locks.tryAcquire(ID).kind, 'busy');
  clock += 1_000;
  const taken = locks.tryAcquire(ID);
  assert.equal(taken.kind, 'acquired');
  if (taken.kind !== 'acquired') return;
  assert.equal(taken.reclaimed?.host, 'elsewhere');
  assert.equal(readOwner(layout.lock(ID))?.token, taken.lock.token);
  taken.lock.release();
});

test('a takeover re-checks the owner: a waiter that judged an old owner stale does not take a new owner\'s lock', () => {
  const layout = store();
  const me = selfIdentity();
  foreignLock(layout, { ...me, pid: 4194305, pidStart: '1' });
  const a = new StoreLocks(layout);
  const b = new StoreLocks(layout);
  // b is in the middle of a takeover (its guard folder exists): a cannot take over meanwhile.
  mkdirSync(`${layout.lock(ID)}.reclaim`);
  assert.equal(a.tryAcquire(ID).kind, 'busy');
  rmSync(`${layout.lock(ID)}.reclaim`, { recursive: true });
  const judged = readOwner(layout.lock(ID))!;
  const first = a.tryAcquire(ID);
  assert.equal(first.kind, 'acquired');
  // b judged the old owner stale just before a took over; its takeover must notice the owner changed.
  const late = (b as unknown as { reclaim(dir: string, judged: unknown, task?: string): { kind: string } }).reclaim(layout.lock(ID), judged);
  assert.equal(late.kind, 'busy');
  assert.equal(readOwner(layout.lock(ID))?.token, first.kind === 'acquired' ? first.lock.token : '');
  if (first.kind === 'acquired') first.lock.release();
});

test('a holder whose lock was taken from it knows, and its release leaves the new holder\'s lock alone', () => {
  const layout = store();
  const a = new StoreLocks(layout);
  const held = a.tryAcquire(ID);
  assert.equal(held.kind, 'acquired');
  if (held.kind !== 'acquired') return;
  // Someone removes it by hand and another process takes it.
  rmSync(layout.lock(ID), { recursive: true });
  const other = new StoreLocks(layout).tryAcquire(ID);
  assert.equal(other.kind, 'acquired');
  assert.match(held.lock.lost() ?? '', /another process \(pid \d+ on .*\) took the lock over/);
  held.lock.release();
  assert.equal(readOwner(layout.lock(ID))?.token, other.kind === 'acquired' ? other.lock.token : '');
  if (other.kind === 'acquired') other.lock.release();
});
