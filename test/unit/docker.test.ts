// --docker: choosing the container and its connection settings from `docker inspect` output.
import { describe, expect, it } from 'vitest';
import { connectionEnv, parseInspect, pickContainer } from '../../src/config/docker.js';

const inspect = (name: string, image: string, env: string[], ports: Record<string, Array<{ HostIp: string; HostPort: string }> | null> = {}, networks: Record<string, { IPAddress: string }> = {}, mode = 'bridge') => ({
  Id: `${name}0123456789abcdef`,
  Name: `/${name}`,
  Config: { Image: image, Env: env },
  NetworkSettings: { Ports: ports, Networks: networks },
  HostConfig: { NetworkMode: mode },
});

const pg = inspect('kb-postgres-1', 'postgres:17', ['POSTGRES_USER=kb', 'POSTGRES_PASSWORD=pw-in-container', 'POSTGRES_DB=knowledge', 'PG_VERSION=17.2'], { '5432/tcp': [{ HostIp: '0.0.0.0', HostPort: '55432' }] });
const redis = inspect('kb-redis-1', 'redis:7', []);
const other = inspect('analytics-db', 'postgis/postgis:16-3.4', ['POSTGRES_PASSWORD=x'], {}, { bridge: { IPAddress: '172.17.0.5' } });

describe('--docker', () => {
  it('finds the one PostgreSQL container and uses its published port', () => {
    const c = pickContainer(parseInspect([pg, redis]), undefined);
    expect(connectionEnv(c)).toEqual({ POSTGRES_HOST: '127.0.0.1', POSTGRES_PORT: '55432', POSTGRES_USER: 'kb', POSTGRES_PASSWORD: 'pw-in-container', POSTGRES_DB: 'knowledge' });
  });
  it('recognises derived images by name or by the official image\'s environment', () => {
    expect(pickContainer(parseInspect([redis, inspect('db', 'acme/postgres-custom:15', [])]), undefined).name).toBe('db');
    expect(pickContainer(parseInspect([redis, inspect('db', 'registry.local/base-db:1', ['PG_MAJOR=16'])]), undefined).name).toBe('db');
  });
  it('picks by exact name, then by a unique part of the name', () => {
    const all = parseInspect([pg, redis, other]);
    expect(pickContainer(all, 'analytics-db').name).toBe('analytics-db');
    expect(pickContainer(all, 'kb-post').name).toBe('kb-postgres-1');
  });
  it('uses the container address when no port is published', () => expect(connectionEnv(parseInspect([other])[0]!)).toMatchObject({ POSTGRES_HOST: '172.17.0.5', POSTGRES_PORT: '5432', POSTGRES_USER: 'postgres', POSTGRES_DB: 'postgres' }));
  it('uses the PGPORT of a host-network container', () => expect(connectionEnv(parseInspect([inspect('pg', 'postgres:15', ['PGPORT=6543'], {}, {}, 'host')])[0]!)).toMatchObject({ POSTGRES_HOST: '127.0.0.1', POSTGRES_PORT: '6543' }));
  it('uses localhost for a host-network container', () => expect(connectionEnv(parseInspect([inspect('pg', 'postgres:15', [], {}, {}, 'host')])[0]!)).toMatchObject({ POSTGRES_HOST: '127.0.0.1', POSTGRES_PORT: '5432' }));
  it('refuses when several PostgreSQL containers run', () => expect(() => pickContainer(parseInspect([pg, other]), undefined)).toThrow('several PostgreSQL containers run (kb-postgres-1, analytics-db); name one: --docker NAME'));
  it('refuses when none runs, listing what does', () => expect(() => pickContainer(parseInspect([redis]), undefined)).toThrow('no running PostgreSQL container found; running: kb-redis-1 (redis:7)'));
  it('refuses an unknown name', () => expect(() => pickContainer(parseInspect([pg]), 'nope')).toThrow('--docker nope: no running container of that name'));
  it('refuses a password it cannot read', () => expect(() => connectionEnv(parseInspect([inspect('pg', 'postgres:17', ['POSTGRES_PASSWORD_FILE=/run/secrets/pw'])])[0]!)).toThrow('POSTGRES_PASSWORD_FILE'));
});
