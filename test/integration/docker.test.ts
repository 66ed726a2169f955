// --docker end to end with a stand-in `docker` CLI on PATH that answers `ps` and `inspect` the way
// the real one does, describing a "container" that is really the suite's PostgreSQL server.
// (The container tier exercises the real docker CLI against a real container.)
import { describe, expect, it } from 'vitest';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonLines, runCli, writeMigrations } from '../helpers/cli.js';
import { createDatabase } from '../helpers/db.js';
import { SUPERUSER_PASSWORD } from '../helpers/server.js';

async function fakeDocker(inspect: unknown[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pgshift-fake-docker-'));
  const script = `#!/bin/sh
case "$1" in
  ps) ${inspect.map((c) => `echo ${(c as { Id: string }).Id}`).join('; ') || 'true'} ;;
  inspect) cat <<'JSON'
${JSON.stringify(inspect)}
JSON
  ;;
  *) echo "unexpected: $*" >&2; exit 1 ;;
esac
`;
  await writeFile(join(dir, 'docker'), script);
  await chmod(join(dir, 'docker'), 0o755);
  return dir;
}

describe('--docker', () => {
  it('finds the PostgreSQL container, reads its POSTGRES_* and published port, and applies', async () => {
    const db = await createDatabase();
    try {
      const port = new URL(db.url).port;
      const bin = await fakeDocker([
        { Id: 'aaaa1111', Name: '/kb-redis-1', Config: { Image: 'redis:7', Env: [] }, NetworkSettings: { Ports: {} }, HostConfig: { NetworkMode: 'bridge' } },
        { Id: 'bbbb2222', Name: '/kb-postgres-1', Config: { Image: 'postgres:17', Env: ['POSTGRES_USER=postgres', `POSTGRES_PASSWORD=${SUPERUSER_PASSWORD}`, `POSTGRES_DB=${db.name}`] }, NetworkSettings: { Ports: { '5432/tcp': [{ HostIp: '0.0.0.0', HostPort: port }] } }, HostConfig: { NetworkMode: 'bridge' } },
      ]);
      const dir = await writeMigrations({ '0001_a.sql': 'CREATE TABLE a (id int);' });
      // A DATABASE_URL pointing elsewhere is ignored once --docker is asked for.
      const r = await runCli(['--docker'], { PATH: `${bin}:${process.env.PATH}`, MIGRATIONS_DIR: dir, DATABASE_URL: 'postgres://x:y@10.255.255.1:1/nowhere' });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(jsonLines(r.stdout).find((e) => e.event === 'config')).toMatchObject({ source: 'POSTGRES_*', host: '127.0.0.1', port: Number(port), database: db.name });
      expect(await db.query(`SELECT to_regclass('public.a') IS NOT NULL AS ok`)).toEqual([{ ok: true }]);
      expect(r.stdout + r.stderr).not.toContain(SUPERUSER_PASSWORD);
    } finally {
      await db.drop();
    }
  });

  it('says which containers run when none is PostgreSQL (exit 3)', async () => {
    const bin = await fakeDocker([{ Id: 'aaaa1111', Name: '/web', Config: { Image: 'nginx:1', Env: [] }, NetworkSettings: { Ports: {} }, HostConfig: {} }]);
    const r = await runCli(['--docker', '--list'], { PATH: `${bin}:${process.env.PATH}`, LOG_FORMAT: 'text' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('--docker: no running PostgreSQL container found; running: web (nginx:1)');
  });

  it('explains a missing docker CLI (exit 3)', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'pgshift-no-docker-'));
    const r = await runCli(['--docker'], { PATH: empty, LOG_FORMAT: 'text' }, { node: process.execPath });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('--docker: the docker CLI is not installed or not on PATH');
  });
});
