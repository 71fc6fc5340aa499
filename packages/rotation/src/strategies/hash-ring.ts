/**
 * A consistent-hash ring over route ids, used by session stickiness. Each member owns `virtualNodes` points;
 * a key belongs to the first point at or after its hash (wrapping). Removing a member only moves the keys
 * it owned, spread over the others; adding it back returns exactly those keys.
 */
export class HashRing {
  /** Member ids, sorted. */
  readonly members: readonly string[];
  readonly #points: Uint32Array;
  readonly #owners: string[];

  constructor(members: readonly string[], virtualNodes = 100) {
    this.members = [...new Set(members)].sort();
    const points: Array<{ hash: number; owner: string }> = [];
    for (const member of this.members) {
      for (let i = 0; i < virtualNodes; i++) points.push({ hash: hash32(`${member}#${i}`), owner: member });
    }
    // Ties on the hash break on the owner id, so the ring does not depend on insertion order.
    points.sort((a, b) => a.hash - b.hash || (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0));
    this.#points = Uint32Array.from(points, (p) => p.hash);
    this.#owners = points.map((p) => p.owner);
  }

  /** The member owning `key`, or undefined for an empty ring. */
  owner(key: string): string | undefined {
    return this.walk(key, () => true);
  }

  /** The first member at or after `key`'s point (wrapping) that `accept` takes, or undefined. */
  walk(key: string, accept: (member: string) => boolean): string | undefined {
    const count = this.#points.length;
    if (count === 0) return undefined;
    const start = lowerBound(this.#points, hash32(key));
    const seen = new Set<string>();
    for (let step = 0; step < count && seen.size < this.members.length; step++) {
      const owner = this.#owners[(start + step) % count]!;
      if (seen.has(owner)) continue;
      seen.add(owner);
      if (accept(owner)) return owner;
    }
    return undefined;
  }
}

/** FNV-1a over UTF-16 code units, finished with the murmur3 avalanche so nearby strings spread. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function lowerBound(sorted: Uint32Array, value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return low === sorted.length ? 0 : low;
}
