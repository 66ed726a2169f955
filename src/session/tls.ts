// TLS as libpq's sslmode means it (pg's own reading differs: there `require` verifies), with the
// files libpq would read.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import type { ConnectionSettings } from '../config/types.js';
import { ConfigError } from '../errors.js';

interface SslChoice {
  first: pg.ClientConfig['ssl'];
  /** libpq's prefer/allow: the other way, tried once when the server refuses the first. */
  fallback?: pg.ClientConfig['ssl'];
}

export function sslOptions(c: ConnectionSettings): SslChoice {
  if (c.host.startsWith('/')) return { first: false };
  const clientCert = clientCertificate(c);
  const noVerify = { rejectUnauthorized: false, ...clientCert };
  switch (c.sslmode) {
    case 'disable':
      return { first: false };
    case 'allow':
      return { first: false, fallback: noVerify };
    case 'prefer':
      return { first: noVerify, fallback: false };
    case 'require':
      // libpq: when a root certificate is given, or ~/.postgresql/root.crt exists, require behaves as verify-ca.
      return { first: c.sslrootcert || existsSync(defaultPath('root.crt')) ? verifying(c, false, clientCert) : noVerify };
    case 'verify-ca':
      return { first: verifying(c, false, clientCert) };
    case 'verify-full':
      return { first: verifying(c, true, clientCert) };
  }
}

function verifying(c: ConnectionSettings, checkHost: boolean, clientCert: object): pg.ClientConfig['ssl'] {
  const ca = rootCertificates(c);
  return {
    rejectUnauthorized: true,
    ...(ca ? { ca } : {}),
    ...clientCert,
    // pg hands tls.connect the host (and SNI for names, not addresses), which verify-full checks.
    ...(checkHost ? {} : { checkServerIdentity: () => undefined }),
  };
}

function rootCertificates(c: ConnectionSettings): string | undefined {
  if (c.sslrootcert === 'system') return undefined;
  const path = c.sslrootcert ?? defaultPath('root.crt');
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    // A missing file will not appear by waiting: a configuration problem (exit 3), not a retry.
    throw new ConfigError([
      `PGSSLROOTCERT / sslrootcert: sslmode=${c.sslmode} needs the server's root certificate, but ${path} cannot be read (${(err as NodeJS.ErrnoException).code}); set PGSSLROOTCERT or sslrootcert=<file>, or sslrootcert=system for the system CAs`,
    ]);
  }
}

function clientCertificate(c: ConnectionSettings): { cert?: string; key?: string } {
  const certPath = c.sslcert ?? defaultPath('postgresql.crt');
  const keyPath = c.sslkey ?? defaultPath('postgresql.key');
  if (!c.sslcert && !existsSync(certPath)) return {};
  try {
    return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
  } catch (err) {
    throw new ConfigError([`PGSSLCERT / PGSSLKEY (sslcert / sslkey): cannot read the client certificate or key (${certPath}, ${keyPath}): ${(err as NodeJS.ErrnoException).code}`]);
  }
}

/** libpq's default place for TLS files: ~/.postgresql/<name>. */
function defaultPath(name: string): string {
  return join(homedir(), '.postgresql', name);
}

/**
 * Asks the server to cancel the statement running on `session` (the protocol's CancelRequest on a

/** Whether the server's refusal of the first way calls for the fallback (prefer: no TLS; allow: TLS). */
export function wantsFallback(mode: ConnectionSettings['sslmode'], err: unknown): boolean {
  const message = (err as Error).message ?? '';
  if (mode === 'prefer') return /does not support SSL/i.test(message);
  if (mode === 'allow') return (err as { code?: string }).code === '28000';
  return false;
}
