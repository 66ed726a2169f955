// PgBouncer (Debian's `pgbouncer` package) in front of a test server, in the pool mode a test asks
// for. Installed with apt-get when missing and the tests run as root; tests skip with the reason
// only when that is impossible.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, SUPERUSER, SUPERUSER_PASSWORD } from './server.js';
import { serverOsUser } from './tls.js';

export type PoolMode = 'session' | 'transaction' | 'statement';

export interface Bouncer {
  readonly port: number;
  /** `url` (a database on the bounced server) rewritten to go through PgBouncer. */
  urlFor(url: string): string;
  stop(): Promise<void>;
}

function installed(): boolean {
  try {
    execFileSync('pgbouncer', ['--version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

let checked: string | undefined | null = null;

/** Why PgBouncer cannot be used here, or undefined when it can (installing it first if need be). */
export function pgbouncerUnavailable(): string | undefined {
  if (checked !== null) return checked;
  checked = undefined;
  if (installed()) return checked;
  if (process.getuid?.() !== 0) return (checked = 'pgbouncer is not installed and the tests do not run as root to apt-get install it');
  try {
    const apt = { stdio: 'pipe' as const, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 300_000 };
    try {
      execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'pgbouncer'], apt);
    } catch {
      execFileSync('apt-get', ['update'], apt);
      execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'pgbouncer'], apt);
    }
  } catch (err) {
    return (checked = `pgbouncer is not installed and apt-get could not install it (${(err as Error).message.split('\n')[0]})`);
  }
  if (!installed()) checked = 'pgbouncer is still not runnable after apt-get install';
  return checked;
}

/** PgBouncer refuses to run as root; run it as the servers' OS user then, owning its folder. */
function runAs(dir: string): { uid: number; gid: number } | undefined {
  const owner = serverOsUser();
  if (owner) chownSync(dir, owner.uid, owner.gid);
  return owner;
}

async function listening(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.on('connect', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`pgbouncer did not listen on ${port} within ${timeoutMs}ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `aliases`: database names PgBouncer serves under another name (alias → the server's database). */
export async function startPgbouncer(options: { serverPort: number; poolMode: PoolMode; poolSize?: number; aliases?: Record<string, string> }): Promise<Bouncer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pgshift-bouncer-'));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'userlist.txt'), `"${SUPERUSER}" "${SUPERUSER_PASSWORD}"\n`);
  const ini = [
    '[databases]',
    ...Object.entries(options.aliases ?? {}).map(([alias, database]) => `${alias} = host=127.0.0.1 port=${options.serverPort} dbname=${database}`),
    `* = host=127.0.0.1 port=${options.serverPort}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = scram-sha-256',
    `auth_file = ${join(dir, 'userlist.txt')}`,
    `pool_mode = ${options.poolMode}`,
    `default_pool_size = ${options.poolSize ?? 20}`,
    'max_client_conn = 500',
    `logfile = ${join(dir, 'pgbouncer.log')}`,
    `pidfile = ${join(dir, 'pgbouncer.pid')}`,
  ].join('\n');
  writeFileSync(join(dir, 'pgbouncer.ini'), `${ini}\n`);
  const owner = runAs(dir);
  const child: ChildProcess = spawn('pgbouncer', [join(dir, 'pgbouncer.ini')], { stdio: 'ignore', ...(owner ?? {}) });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await listening(port, 10_000);
  return {
    port,
    urlFor(url: string) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    async stop() {
      child.kill('SIGINT');
      await exited;
    },
  };
}
