// Checks shared by the connection's sources (URL and variables): each adds a problem naming the
// setting, never its value.
import { userInfo } from 'node:os';
import type { ChannelBinding, ConnectionSettings, SslMode, TargetSessionAttrs } from './types.js';

export type Problems = string[];
export type Env = Record<string, string | undefined>;

/** What a source of connection settings yields before the password file and libpq's PG* fallbacks. */
export type PartialConnection = Omit<ConnectionSettings, 'sslmode' | 'channelBinding' | 'connectTimeoutMs' | 'passwordFile' | 'warnings' | 'targetSessionAttrs' | 'options' | 'applicationName'> & {
  sslmode?: SslMode;
  channelBinding?: ChannelBinding;
  connectTimeoutMs?: number;
  targetSessionAttrs?: TargetSessionAttrs;
  options?: string;
  applicationName?: string;
};

export const SSL_MODES: readonly SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];
export const CHANNEL_BINDINGS: readonly ChannelBinding[] = ['disable', 'prefer', 'require'];
export const SESSION_ATTRS: readonly TargetSessionAttrs[] = ['any', 'read-write', 'read-only', 'primary', 'standby', 'prefer-standby'];
/** The official image's names: any of them set makes POSTGRES_* the source (and loses to DATABASE_URL). */
export const POSTGRES_VARS = ['POSTGRES_HOST', 'POSTGRES_PORT', 'POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_PASSWORD_FILE', 'POSTGRES_DB'];

/** `raw` when it is one of `allowed`; otherwise a problem naming the setting and the choices. */
export function choiceOf<T extends string>(allowed: readonly T[], raw: string | undefined, name: string, problems: Problems): T | undefined {
  if (raw === undefined) return undefined;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  problems.push(`${name}: must be one of ${allowed.join(', ')}`);
  return undefined;
}

/** libpq's default user is the operating-system user; an arbitrary container UID may have none. */
export function defaultUser(): string {
  try {
    return userInfo().username || 'postgres';
  } catch {
    return 'postgres';
  }
}

export function portOf(raw: string | undefined, name: string, problems: Problems): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= 65535)) {
    problems.push(`${name}: must be a port number from 1 to 65535`);
    return undefined;
  }
  return n;
}
