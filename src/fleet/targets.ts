// The fleet's targets, in the order given: the targets file or schema list as config read it, or
// what a query on the control database (DATABASE_URL / PG*, the usual connection) returns. The
// control session is closed before any target starts, so a run never holds more than
// FLEET_CONCURRENCY connections.
import { throwIfAborted } from '../abort.js';
import { cancellable } from '../apply/send.js';
import type { FleetContext as Context } from './context.js';
import type { ConnectionSettings } from '../config/types.js';
import { connect } from '../session/connect.js';
import { closeSession } from '../session/session.js';
import { ConfigError } from '../errors.js';
import { databaseName, schemaTargets, type FleetTarget } from './settings.js';

type Target = FleetTarget<ConnectionSettings>;

export async function listTargets(ctx: Context): Promise<Target[]> {
  const source = ctx.config.fleet!.source;
  const listed = source.kind === 'list' ? source.targets : await queried(ctx, source.kind, source.sql);
  return unique(ctx, listed);
}

async function queried(ctx: Context, kind: 'databaseQuery' | 'schemaQuery', sql: string): Promise<Target[]> {
  const setting = kind === 'databaseQuery' ? 'FLEET_TARGETS_QUERY' : 'FLEET_SCHEMAS_QUERY';
  const values = await firstColumn(ctx, sql, setting);
  const problems: string[] = [];
  const secrets: string[] = [];
  const targets = kind === 'schemaQuery' ? schemaTargets(values.join(' '), setting, problems) : values.flatMap((v, i) => databaseTarget(ctx, v, `${setting} row ${i + 1}`, problems, secrets));
  ctx.out.addSecrets(secrets);
  if (problems.length) throw new ConfigError(problems);
  ctx.log.info({ event: 'fleet.listed', setting, targets: targets.length }, `${setting} named ${targets.length} target(s)`);
  return targets;
}

/** The query's first column as text, one value a row; the control session is closed before returning. */
async function firstColumn(ctx: Context, sql: string, setting: string): Promise<string[]> {
  const session = await connect(ctx.config, ctx.log, ctx.signal);
  try {
    const result = await cancellable({ session, connection: ctx.config.connection, signal: ctx.signal }, () => session.client.query<unknown[]>({ text: sql, rowMode: 'array' }));
    return result.rows.map((row) => row[0]).filter((v): v is NonNullable<unknown> => v !== null && v !== undefined).map(String);
  } catch (err) {
    throwIfAborted(ctx.signal);
    throw new ConfigError([`${setting}: the query failed on the control database: ${(err as Error).message}; it must return one text column`]);
  } finally {
    closeSession(session);
  }
}

/**
 * A connection string (it holds `://`), read as DATABASE_URL is; anything else is a database name on
 * the control connection's server, with its user and password. Passwords found are scrubbed from
 * every output from here on.
 */
function databaseTarget(ctx: Context, value: string, where: string, problems: string[], secrets: string[]): Target[] {
  const text = value.trim();
  if (text.includes('://')) {
    const read = ctx.config.fleet!.connectionOf(text);
    if ('problems' in read) {
      problems.push(...read.problems.map((p) => `${where}: ${p.replace(/^DATABASE_URL:? ?/, '')}`));
      return [];
    }
    secrets.push(...read.secrets);
    return [{ name: databaseName(read.connection), connection: read.connection }];
  }
  if (text === '' || text.length > 63) {
    problems.push(`${where}: neither a connection string (postgres://…) nor a database name (at most 63 characters)`);
    return [];
  }
  const connection: ConnectionSettings = { ...ctx.config.connection, database: text, warnings: [], ignored: [] };
  return [{ name: databaseName(connection), connection }];
}

/** A target named twice runs once (its first entry); two runs of it would only queue on its lock. */
function unique(ctx: Context, targets: Target[]): Target[] {
  const seen = new Set<string>();
  const out: Target[] = [];
  for (const t of targets) {
    if (seen.has(t.name)) ctx.log.warn({ event: 'fleet.duplicate', target: t.name }, `${t.name} is listed more than once; it runs once`);
    else out.push(t);
    seen.add(t.name);
  }
  return out;
}
