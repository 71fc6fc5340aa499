/**
 * "Did you mean" helpers for unknown names: plain Levenshtein distance plus prefix / substring hints.
 * Only called on the error path, so clarity beats speed here.
 */

/** Levenshtein edit distance between two strings (insert, delete, substitute; each costs 1). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitute = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitute));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * Scores how close `candidate` is to `name`; lower is closer, `undefined` means "not close". A dotted
 * candidate is also compared by its last segment, so `chat-complet` finds
 * `generation.text-generation.chat-completion`.
 */
function closeness(name: string, candidate: string): number | undefined {
  const last = candidate.slice(candidate.lastIndexOf(".") + 1);
  const distance = Math.min(editDistance(name, candidate), editDistance(name, last));
  const budget = Math.max(2, Math.floor(name.length / 3));
  if (distance <= budget) return distance;
  // Prefix and substring hints rank after every edit-distance match.
  if (name.length >= 3 && (candidate.startsWith(name) || last.startsWith(name))) return budget + 1;
  if (name.length >= 4 && candidate.includes(name)) return budget + 2;
  return undefined;
}

/**
 * Returns up to `limit` candidates close to `name`, closest first, ties in alphabetical order. Exact
 * duplicates in `candidates` are listed once.
 */
export function closeMatches(name: string, candidates: Iterable<string>, limit = 5): string[] {
  const scored = new Map<string, number>();
  for (const candidate of candidates) {
    if (scored.has(candidate) || candidate === name) continue;
    const score = closeness(name, candidate);
    if (score !== undefined) scored.set(candidate, score);
  }
  return [...scored]
    .sort(([a, sa], [b, sb]) => sa - sb || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, limit)
    .map(([candidate]) => candidate);
}
