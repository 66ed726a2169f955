// Which shard (an Indexed Job's pod) takes which target: rendezvous hashing, so a target's shard
// depends only on its name and the shard count, and a changed target list moves only the targets
// added or removed. Owned by the Kubernetes side of fleets (issue 14); this is the fixed interface.
import { createHash } from 'node:crypto';

/** The shard (0 … shards-1) that runs the target named `targetName`: the highest sha256(name + '\0' + shard). */
export function shardOf(targetName: string, shards: number): number {
  let best = 0;
  let bestScore = '';
  for (let shard = 0; shard < shards; shard++) {
    const score = createHash('sha256').update(`${targetName}\0${shard}`).digest('hex');
    if (score > bestScore) {
      best = shard;
      bestScore = score;
    }
  }
  return best;
}

/** The targets shard `shard` of `shards` runs, in their given order. */
export function takeShard<T extends { name: string }>(targets: T[], shard: number, shards: number): T[] {
  if (shards <= 1) return targets;
  return targets.filter((t) => shardOf(t.name, shards) === shard);
}
