// `wait`: until the database accepts connections. `await`: until every file is applied by someone
// else (an app's init container waiting for the migration Job).
import { sleep, throwIfAborted } from '../abort.js';
import type { Session } from '../session/session.js';
import { LockTimeoutError, type NotAppliedError } from '../errors.js';
import { findHolder } from '../apply/lock.js';
import type { MigrationFile, Plan } from '../types.js';
import type { Context } from './context.js';
import { notAppliedError, readOnlyPlan } from './planning.js';
import type { AwaitResult, WaitResult } from './results.js';
import { migrationLock, readFiles, withSession } from './session.js';

export async function waitOnly(ctx: Context): Promise<WaitResult> {
  await withSession(ctx, async () => undefined);
  ctx.log.info({ event: 'db.ready' }, 'database accepts connections');
  return { command: 'wait' };
}

const AWAIT_POLL_MS = 2000;

export async function awaitApplied(ctx: Context): Promise<AwaitResult> {
  const files = await readFiles(ctx);
  const deadline = Date.now() + ctx.config.awaitTimeoutMs;
  const plan = await withSession(ctx, async (session) => {
    let lastReport = 0;
    for (;;) {
      const current = await readOnlyPlan(ctx, session, files);
      const outstanding = [...current.pending, ...current.modified, ...current.unfinished, ...current.conflicts];
      if (outstanding.length === 0) return current;
      const stuck = await cannotHeal(ctx, session, files, current);
      if (stuck) throw stuck;
      if (Date.now() >= deadline) {
        throw new LockTimeoutError(`migrations still not applied after AWAIT_TIMEOUT (${Math.round(ctx.config.awaitTimeoutMs / 1000)}s): ${outstanding.map((e) => `${e.name} (${e.status})`).join(', ')}; check the migration Job's logs`);
      }
      if (Date.now() - lastReport >= 10_000) {
        lastReport = Date.now();
        ctx.log.info({ event: 'await.waiting', outstanding: outstanding.length, next: outstanding[0]?.name }, 'waiting for migrations to be applied');
      }
      await sleep(Math.min(AWAIT_POLL_MS, deadline - Date.now()), ctx.signal);
      throwIfAborted(ctx.signal);
    }
  });
  ctx.log.info({ event: 'await.done', applied: plan.applied.length }, 'all migrations are applied');
  return { command: 'await', applied: plan.applied.length };
}

/**
 * Why waiting longer cannot help, or undefined. A modified or conflicting file waits for a person.
 * A failed file whose content has changed since it failed (fixed in place) is the next deploy's to
 * retry: waiting helps. One that failed as it is, or an unfinished row, may still be a runner's work
 * in progress (a retry, a no-transaction file's start marker): it ends the wait only when no runner
 * holds the migration lock and the same rows are still there when read again after looking — so
 * they were not written by a runner that has since finished.
 */
async function cannotHeal(ctx: Context, session: Session, files: MigrationFile[], plan: Plan): Promise<NotAppliedError | undefined> {
  if (plan.modified.length || plan.conflicts.length) return notAppliedError(plan);
  const hopeless = (p: Plan): Plan => ({ ...p, failed: p.failed.filter((e) => e.row?.checksum === e.file?.checksum || e.row?.checksum === e.file?.rawChecksum) });
  const now = hopeless(plan);
  if (now.failed.length === 0 && now.unfinished.length === 0) return undefined;
  if (await findHolder(session.client, migrationLock(ctx, ctx.config.schema, ctx.config.table))) return undefined;
  const again = hopeless(await readOnlyPlan(ctx, session, files));
  const rows = (p: Plan) => [...p.failed, ...p.unfinished].map((e) => `${e.name}\0${e.row?.id}\0${e.row?.errorMessage}`).join('\n');
  return rows(again) === rows(now) ? notAppliedError(again) : undefined;
}
