/** Deterministic JSON and a fast content hash, for cache keys and catalogue diffing. */

/**
 * JSON with object keys sorted at every level, so equal content yields equal text regardless of key order.
 * `undefined` properties are omitted (as in JSON); non-JSON values (functions, symbols) are dropped;
 * bigint becomes a string.
 */
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortKeys(value, new WeakSet())) ?? "undefined";
}

function sortKeys(value: unknown, seen: WeakSet<object>): unknown {
  if (typeof value === "bigint") return value.toString();
  if (typeof value !== "object" || value === null) return value;
  if (seen.has(value)) throw new TypeError("[modelmesh] [stable-json] cannot serialise a circular structure");
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => sortKeys(item, seen));
    if (value instanceof Date) return value.toISOString();
    if (ArrayBuffer.isView(value)) return Array.from(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key], seen);
    return out;
  } finally {
    seen.delete(value);
  }
}

/**
 * A 53-bit non-cryptographic string hash (cyrb53), as 14 hex characters. Collisions are negligible for
 * catalogue-sized inputs; never use it for security.
 */
export function contentHash(text: string, seed = 0): string {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, "0");
}
