// Shard assignment (issue 14): rendezvous hashing over target names. Pure; no database.
// The golden list pins the formula documented in docs/KUBERNETES.md: changing it reshuffles every fleet.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { shardOf, takeShard } from '../../src/fleet/shard.js';

const names = (n: number, prefix = 'db.internal:5432/tenant_') => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);
const targets = (list: string[]) => list.map((name) => ({ name }));
const assignment = (list: string[], shards: number) => new Map(list.map((n) => [n, shardOf(n, shards)]));

describe('golden assignment (stable across runs, machines and versions)', () => {
  it.each([
    // name, shard of 2, of 3, of 8
    ['db1.internal:5432/tenant_0001', 0, 2, 2],
    ['db1.internal:5432/tenant_0002', 1, 1, 5],
    ['db2.internal:5432/acme', 1, 2, 6],
    ['db2.internal:5432/globex', 1, 1, 3],
    ['tenant_initech', 1, 1, 4],
    ['tenant_umbrella', 0, 0, 0],
    ['public', 0, 2, 2],
    ['a', 0, 0, 3],
    ['', 0, 2, 2],
    ['ünïcode_schema', 0, 0, 7],
  ])('%j → %i of 2, %i of 3, %i of 8', (name, of2, of3, of8) => {
    expect([shardOf(name, 1), shardOf(name, 2), shardOf(name, 3), shardOf(name, 8)]).toEqual([0, of2, of3, of8]);
  });

  it('matches the one-line formula docs/KUBERNETES.md gives operators', () => {
    // Written independently of src/fleet/shard.ts, as an operator would paste it.
    const formula = (n: string, s: number) => {
      let b = 0;
      let bs = -1n;
      for (let i = 0; i < s; i++) {
        const v = createHash('sha256').update(n + '\0' + i).digest().readBigUInt64BE(0);
        if (v > bs) [b, bs] = [i, v];
      }
      return b;
    };
    for (const name of names(300)) for (const shards of [1, 2, 5, 16]) expect(shardOf(name, shards)).toBe(formula(name, shards));
  });
});

describe('takeShard', () => {
  const list = names(1000);

  it.each([1, 2, 3, 7, 16])('puts every target in exactly one of %i shards, in the given order', (shards) => {
    const parts = Array.from({ length: shards }, (_, s) => takeShard(targets(list), s, shards).map((t) => t.name));
    expect(parts.flat().sort()).toEqual([...list].sort());
    for (const part of parts) {
      const inPart = new Set(part);
      expect(part).toEqual(list.filter((n) => inPart.has(n)));
    }
  });

  it('spreads 1000 targets over 4 shards roughly evenly', () => {
    for (let s = 0; s < 4; s++) {
      const size = takeShard(targets(list), s, 4).length;
      expect(size).toBeGreaterThan(180);
      expect(size).toBeLessThan(320);
    }
  });

  it('keeps whatever else the targets carry', () => {
    const [only] = takeShard([{ name: 'x', url: 'postgres://x' }], 0, 1);
    expect(only).toEqual({ name: 'x', url: 'postgres://x' });
  });

  it.each([
    [-1, 3, 'FLEET_SHARD must be an integer from 0 to 2 (FLEET_SHARDS is 3)'],
    [3, 3, 'FLEET_SHARD must be an integer from 0 to 2 (FLEET_SHARDS is 3)'],
    [1.5, 3, 'FLEET_SHARD must be an integer from 0 to 2 (FLEET_SHARDS is 3)'],
    [Number.NaN, 3, 'FLEET_SHARD must be an integer from 0 to 2 (FLEET_SHARDS is 3)'],
    [0, 0, 'FLEET_SHARDS must be an integer of at least 1'],
    [0, 2.5, 'FLEET_SHARDS must be an integer of at least 1'],
    [0, -2, 'FLEET_SHARDS must be an integer of at least 1'],
  ])('refuses shard %s of %s', (shard, shards, problem) => {
    const err = (() => {
      try {
        takeShard(targets(list), shard, shards);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([problem]);
  });

  it('refuses shardOf with a bad shard count', () => expect(() => shardOf('a', 0)).toThrow(ConfigError));
});

describe('a changed target list or shard count moves as few targets as promised', () => {
  const list = names(2000);

  it('adding targets moves no existing target', () => {
    for (const shards of [2, 5, 9]) {
      const before = assignment(list, shards);
      const after = assignment([...list, ...names(200, 'db2.internal:5432/new_')], shards);
      for (const [name, shard] of before) expect(after.get(name)).toBe(shard);
    }
  });

  it('removing targets moves no remaining target', () => {
    const before = assignment(list, 6);
    const kept = list.filter((_, i) => i % 3 !== 0);
    const after = assignment(kept, 6);
    for (const name of kept) expect(after.get(name)).toBe(before.get(name));
  });

  it.each([1, 2, 3, 4, 7, 10])('going from %i to one more shard moves only targets into the new shard, about 1/(N+1)', (n) => {
    const before = assignment(list, n);
    const after = assignment(list, n + 1);
    const moved = list.filter((name) => before.get(name) !== after.get(name));
    for (const name of moved) expect(after.get(name)).toBe(n);
    const expected = list.length / (n + 1);
    expect(moved.length).toBeGreaterThan(expected * 0.75);
    expect(moved.length).toBeLessThan(expected * 1.25);
  });

  it('going from N+1 to N shards moves only the removed shard’s targets', () => {
    const before = assignment(list, 5);
    const after = assignment(list, 4);
    for (const name of list) if (before.get(name) !== 4) expect(after.get(name)).toBe(before.get(name));
  });
});
