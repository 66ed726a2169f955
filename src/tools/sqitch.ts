// sqitch keeps a row per deployed change in sqitch.changes (revert deletes it) with its change_id,
// which is computed from the plan (tools/sqitch-plan.ts), and the sha1 of the deploy script's bytes
// as deployed (script_hash); sqitch.events logs every deploy, revert and fail (sqitch 1.3.1
// lib/App/Sqitch/Engine/pg.sql; lib/App/Sqitch/Plan/Change.pm _deploy_hash). One registry may
// hold several projects: only the plan's project is read.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import type { Imported, ToolReader } from './reader.js';
import type { MigrationFile } from '../types.js';
import { parseSqitchPlan, sqitchFileName, type SqitchPlan } from './sqitch-plan.js';

interface Row {
  id: string;
  change: string;
  hash: string | null;
  at: string;
}

export const readSqitch: ToolReader = async (client, t, files) => {
  const dir = projectDir(files);
  if (dir === undefined) {
    return { imported: [], problems: ['MIGRATIONS_DIR holds no sqitch.plan: set it to the sqitch project folder (the one with sqitch.plan and deploy/), as sqitch reads it'] };
  }
  const plan = parseSqitchPlan(readFileSync(join(dir, 'sqitch.plan'), 'utf8'), () => true);
  const { rows } = await client.query<Row>(
    `SELECT change_id AS id, change, script_hash AS hash, committed_at::text AS at FROM ${t.sql} WHERE project = $1 ORDER BY committed_at, change_id`,
    [plan.project],
  );
  const problems = [...(await otherProjectsOnly(client, t.sql, plan, rows.length)), ...(await unfinished(client, t.schema, plan, rows))];
  const byId = new Map(plan.changes.map((c) => [c.id, c]));
  const byName = new Map(files.map((f) => [f.name, f]));
  const imported: Imported[] = [];
  for (const row of rows) {
    const change = byId.get(row.id);
    const file = change && byName.get(sqitchFileName(change));
    if (!change || !file) {
      problems.push(`sqitch deployed ${row.change} (change id ${row.id}), which sqitch.plan as it is now does not plan (it was edited after deploying: a change renamed, moved, re-dated or given other dependencies or notes): restore sqitch.plan from the revision that deployed it (\`sqitch plan\` and \`sqitch status\` show the difference), then run pgshift import again`);
    } else if (row.hash !== null && row.hash !== sha1(file)) {
      problems.push(`${change.deployScript} (${file.name}): sqitch deployed it with script_hash ${row.hash}, the file now has ${sha1(file)}: it was edited after sqitch deployed it; restore it as deployed (an intended change is a \`sqitch rework\`), then run pgshift import again`);
    } else {
      imported.push({ file, appliedAt: row.at });
    }
  }
  imported.sort((a, b) => (a.file.name < b.file.name ? -1 : 1));
  return { imported, problems };
};

/** The project folder of a sqitch layout: each file's path is `<dir>/deploy/<change>[@tag].sql`. */
function projectDir(files: MigrationFile[]): string | undefined {
  for (const f of files) {
    const m = /^\d+_(.+)\/deploy\.sql$/.exec(f.name);
    const at = m ? f.path.lastIndexOf(`${sep}deploy${sep}${m[1]!.split('/').join(sep)}`) : -1;
    if (at > 0) return f.path.slice(0, at);
  }
  return undefined;
}

function sha1(file: MigrationFile): string {
  return createHash('sha1').update(readFileSync(file.path)).digest('hex');
}

/** Changes deployed for other projects only: the plan names another project than the one deployed. */
async function otherProjectsOnly(client: Parameters<ToolReader>[0], table: string, plan: SqitchPlan, mine: number): Promise<string[]> {
  if (mine > 0) return [];
  const { rows } = await client.query<{ project: string }>(`SELECT DISTINCT project FROM ${table} ORDER BY project`);
  if (rows.length === 0) return [];
  return [`sqitch.plan is project ${plan.project}, but sqitch deployed changes of ${rows.map((r) => r.project).join(', ')} only in this database: set MIGRATIONS_DIR to that project's folder, then run pgshift import again`];
}

/** A change of the plan whose last event is a fail, or a revert that left it undeployed. */
async function unfinished(client: Parameters<ToolReader>[0], schema: string, plan: SqitchPlan, deployed: Row[]): Promise<string[]> {
  const events = `"${schema.replace(/"/g, '""')}".events`;
  const { rows } = await client.query<{ id: string; event: string; at: string }>(
    `SELECT DISTINCT ON (change_id) change_id AS id, event, committed_at::text AS at FROM ${events} WHERE project = $1 ORDER BY change_id, committed_at DESC`,
    [plan.project],
  );
  const last = new Map(rows.map((r) => [r.id, r]));
  const isDeployed = new Set(deployed.map((r) => r.id));
  const problems: string[] = [];
  for (const c of plan.changes) {
    const e = last.get(c.id);
    if (e?.event === 'fail') {
      problems.push(`${c.name}: its last sqitch event is a failed deploy (${e.at}); sqitch reverted what it could, but a script that is not one transaction may have left part of it behind: check the database, then deploy it with \`sqitch deploy\` (or undo what is left and remove it from sqitch.plan); then run pgshift import again`);
    } else if (e?.event === 'revert' && !isDeployed.has(c.id)) {
      problems.push(`${c.name}: reverted with \`sqitch revert\` (${e.at}) and not deployed since, but still in sqitch.plan: deploy it again with \`sqitch deploy\`, or remove it from sqitch.plan if it is abandoned; then run pgshift import again`);
    }
  }
  return problems;
}
