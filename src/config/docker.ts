// `pgshift --docker [NAME]`: for laptops, find a running PostgreSQL container and connect with the
// settings it was started with (its POSTGRES_* environment and a reachable port), through the docker
// CLI. Only when asked, never implicitly.
import { ConfigError } from '../errors.js';

export interface DockerContainer {
  id: string;
  name: string;
  image: string;
  env: Record<string, string>;
  /** Published ports of 5432/tcp. */
  published: Array<{ hostIp: string; hostPort: string }>;
  /** Container addresses on its networks (reachable from a Linux host). */
  addresses: string[];
  hostNetwork: boolean;
}

/** Parses `docker inspect` output (an array of container objects). */
export function parseInspect(json: unknown): DockerContainer[] {
  if (!Array.isArray(json)) return [];
  return json.map((raw) => {
    const c = raw as {
      Id?: string;
      Name?: string;
      Config?: { Image?: string; Env?: string[] };
      NetworkSettings?: { Ports?: Record<string, Array<{ HostIp?: string; HostPort?: string }> | null>; Networks?: Record<string, { IPAddress?: string }> };
      HostConfig?: { NetworkMode?: string };
    };
    const env: Record<string, string> = {};
    for (const kv of c.Config?.Env ?? []) {
      const i = kv.indexOf('=');
      if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
    }
    const published = (c.NetworkSettings?.Ports?.['5432/tcp'] ?? []).map((p) => ({ hostIp: p.HostIp ?? '', hostPort: p.HostPort ?? '' })).filter((p) => p.hostPort);
    const addresses = Object.values(c.NetworkSettings?.Networks ?? {})
      .map((n) => n.IPAddress ?? '')
      .filter(Boolean);
    return { id: (c.Id ?? '').slice(0, 12), name: (c.Name ?? '').replace(/^\//, ''), image: c.Config?.Image ?? '', env, published, addresses, hostNetwork: c.HostConfig?.NetworkMode === 'host' };
  });
}

/** The official image and its derivatives (postgis, timescaledb, pgvector, a company's own `…/postgres-custom`). */
const POSTGRES_IMAGE = /postgres|postgis|timescale|pgvector/i;
const POSTGRES_ENV = ['PG_VERSION', 'PG_MAJOR', 'POSTGRES_PASSWORD', 'POSTGRES_PASSWORD_FILE'];

/** By exact name, then a unique name containing NAME; without NAME the one container running a PostgreSQL image. */
export function pickContainer(containers: DockerContainer[], name: string | undefined): DockerContainer {
  const postgres = containers.filter((c) => POSTGRES_IMAGE.test(c.image) || POSTGRES_ENV.some((k) => c.env[k] !== undefined));
  const listing = containers.map((c) => `${c.name} (${c.image})`).join(', ') || 'none';
  if (name) {
    const exact = containers.find((c) => c.name === name || c.id.startsWith(name));
    if (exact) return exact;
    const partial = containers.filter((c) => c.name.includes(name));
    if (partial.length === 1) return partial[0]!;
    throw new ConfigError([`--docker ${name}: ${partial.length ? `matches several containers: ${partial.map((c) => c.name).join(', ')}` : 'no running container of that name'}; running: ${listing}`]);
  }
  if (postgres.length === 1) return postgres[0]!;
  throw new ConfigError([
    postgres.length === 0
      ? `--docker: no running PostgreSQL container found; running: ${listing}`
      : `--docker: several PostgreSQL containers run (${postgres.map((c) => c.name).join(', ')}); name one: --docker NAME`,
  ]);
}

/** The connection variables a container implies (as the official image reads them). */
export function connectionEnv(c: DockerContainer): Record<string, string> {
  if (c.env.POSTGRES_PASSWORD === undefined && c.env.POSTGRES_PASSWORD_FILE !== undefined) {
    throw new ConfigError([`--docker: ${c.name} reads its password from a file inside the container (POSTGRES_PASSWORD_FILE); set POSTGRES_PASSWORD or DATABASE_URL yourself`]);
  }
  const user = c.env.POSTGRES_USER ?? 'postgres';
  const env: Record<string, string> = { POSTGRES_HOST: '127.0.0.1', POSTGRES_PORT: '5432', POSTGRES_USER: user, POSTGRES_DB: c.env.POSTGRES_DB ?? user };
  if (c.env.POSTGRES_PASSWORD !== undefined) env.POSTGRES_PASSWORD = c.env.POSTGRES_PASSWORD;
  const port = c.published[0];
  // On the host network the server listens where the container's PGPORT says (the image's default 5432).
  if (c.hostNetwork && c.env.PGPORT) env.POSTGRES_PORT = c.env.PGPORT;
  if (port) {
    env.POSTGRES_HOST = ['', '0.0.0.0', '::'].includes(port.hostIp) ? '127.0.0.1' : port.hostIp;
    env.POSTGRES_PORT = port.hostPort;
  } else if (!c.hostNetwork && c.addresses[0]) {
    env.POSTGRES_HOST = c.addresses[0];
  } else if (!c.hostNetwork) {
    throw new ConfigError([`--docker: ${c.name} publishes no port 5432 and has no reachable address; publish it (-p 5432:5432)`]);
  }
  return env;
}

async function docker(args: string[]): Promise<string> {
  // Loaded here, not at start-up: child_process brings dgram and more, which every other run would pay for.
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    execFile('docker', args, { timeout: 15_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'the docker CLI is not installed or not on PATH' : (stderr.trim() || err.message).split('\n')[0];
        reject(new ConfigError([`--docker: ${why}`]));
      } else resolve(stdout);
    });
  });
}

/** Finds the container and returns its connection variables plus a description for the log. */
export async function discover(name: string | undefined): Promise<{ env: Record<string, string>; container: DockerContainer }> {
  const ids = (await docker(['ps', '-q', '--no-trunc'])).split('\n').filter(Boolean);
  const containers = ids.length ? parseInspect(JSON.parse(await docker(['inspect', ...ids]))) : [];
  const container = pickContainer(containers, name);
  return { env: connectionEnv(container), container };
}
