// Per-file test plumbing shared by the integration suites.
import { afterAll, beforeEach, expect } from 'vitest';
import { runCli, type CliResult } from './cli.js';
import { createDatabase, type TestDatabase } from './db.js';
import { SUPERUSER_PASSWORD } from './server.js';

/** A fresh database for every test of the file (dropped after it); call the returned getter inside tests. */
export function databasePerTest(): () => TestDatabase {
  let db: TestDatabase | undefined;
  beforeEach(async () => {
    db = await createDatabase();
    return () => db!.drop();
  });
  return () => db!;
}

export interface CheckedRunner {
  /** runCli, keeping every byte printed. */
  run(args: string[], env: Record<string, string | undefined>): Promise<CliResult>;
  /** Keeps the output of a run started another way (spawnCli + collect). */
  keep(r: CliResult): CliResult;
}

/** After the file, asserts the password never appeared in anything the runs printed. */
export function runCliCheckingSecrets(): CheckedRunner {
  const outputs: string[] = [];
  afterAll(() => {
    expect(outputs.join('\n')).not.toContain(SUPERUSER_PASSWORD);
  });
  const keep = (r: CliResult) => {
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  return { keep, run: async (args, env) => keep(await runCli(args, env)) };
}
