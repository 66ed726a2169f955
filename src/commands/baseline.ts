// `baseline [--to FILE]`: record files as applied without running them (adopting a live database).
import { recordApplied } from '../apply/history-rows.js';
import { byName } from '../source/names.js';
import type { Context } from './context.js';
import { resolveTo } from './planning.js';
import type { BaselineResult } from './results.js';
import { readFiles, withMigrationLock, withSession } from './session.js';

export async function baseline(ctx: Context): Promise<BaselineResult> {
  const files = await readFiles(ctx);
  const to = resolveTo(ctx, files);
  const chosen = to === undefined ? files : files.filter((f) => byName(f.name, to) <= 0);
  const recorded = await withSession(ctx, (session) =>
    withMigrationLock(ctx, session, async (t, rows) => {
      const done = new Set(rows.filter((r) => r.success).map((r) => r.filename));
      const names: string[] = [];
      for (const f of chosen.filter((file) => !done.has(file.name))) {
        await recordApplied(session.client, t, f, null);
        ctx.log.info({ event: 'baseline.recorded', file: f.name, checksum: f.checksum }, `recorded as applied without running: ${f.name}`);
        names.push(f.name);
      }
      return names;
    }),
  );
  return { command: 'baseline', recorded };
}
