// One connection attempt's bound (#10 C12): connect_timeout (10 s unset), ending with DB_WAIT_TIMEOUT,
// never under libpq's 2 s floor; DB_WAIT_TIMEOUT=0 is one whole attempt.
import { describe, expect, it } from 'vitest';
import { attemptTimeout } from '../../src/session/attempt.js';
import type { ConnectionSettings } from '../../src/config/types.js';

const NOW = 1_000_000;
const bound = (dbWaitTimeoutMs: number, leftMs: number, connectTimeoutMs?: number) =>
  attemptTimeout({ dbWaitTimeoutMs, connection: { connectTimeoutMs } as ConnectionSettings }, NOW + leftMs, NOW);

describe('attemptTimeout', () => {
  it('plenty of time left: 10 s', () => expect(bound(60_000, 60_000)).toBe(10_000));
  it('connect_timeout wins when shorter', () => expect(bound(60_000, 60_000, 3000)).toBe(3000));
  it('ends with DB_WAIT_TIMEOUT', () => expect(bound(60_000, 4000)).toBe(4000));
  it('but never under 2 s', () => expect(bound(60_000, 100)).toBe(2000));
  it('DB_WAIT_TIMEOUT=0: one whole attempt', () => expect(bound(0, 0)).toBe(10_000));
  it('DB_WAIT_TIMEOUT=0 with connect_timeout', () => expect(bound(0, 0, 5000)).toBe(5000));
});
