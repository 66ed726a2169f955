// Which shard (Indexed Job pod) handles which target: rendezvous (highest-random-weight) hashing.
// Every shard scores the target by sha256(name + '\0' + shard index); the highest score wins.
// Chosen over `hash mod shards` because it is stable under change: adding or removing a target moves
// no other target, and going from N to N+1 shards moves only the targets the new shard wins (~1/(N+1)).
// The formula is documented in docs/KUBERNETES.md so an operator can tell which pod handled a tenant;
// changing it would reshuffle every fleet, so the unit test pins a golden list.
import { createHash } from 'node:crypto';
import { ConfigError } from '../errors.js';

/** The score shard `index` gives `name`: the first 64 bits of sha256(name + '\0' + index), big-endian. */
function score(name: string, index: number): bigint {
  return createHash('sha256').update(`${name}\0${index}`, 'utf8').digest().readBigUInt64BE(0);
}

/** The shard in [0, shards) that handles the target called `name` (ties, never seen in practice, go to the lowest index). */
export function shardOf(name: string, shards: number): number {
  checkShards(shards);
  let best = 0;
  let bestScore = score(name, 0);
  for (let index = 1; index < shards; index++) {
    const s = score(name, index);
    if (s > bestScore) {
      best = index;
      bestScore = s;
    }
  }
  return best;
}

/** The targets shard `shard` of `shards` handles, in their given order. */
export function takeShard<T extends { name: string }>(targets: T[], shard: number, shards: number): T[] {
  checkShards(shards);
  if (!Number.isInteger(shard) || shard < 0 || shard >= shards) {
    throw new ConfigError([`FLEET_SHARD must be an integer from 0 to ${shards - 1} (FLEET_SHARDS is ${shards})`]);
  }
  if (shards === 1) return [...targets];
  return targets.filter((target) => shardOf(target.name, shards) === shard);
}

function checkShards(shards: number): void {
  if (!Number.isInteger(shards) || shards < 1) {
    throw new ConfigError(['FLEET_SHARDS must be an integer of at least 1']);
  }
}
