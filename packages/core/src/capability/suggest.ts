/**
 * "Did you mean" helpers for unknown names: Levenshtein distance plus prefix / substring hints. They run on
 * names that come from requests (the OpenAI `model` field), so their cost is bounded: names longer than
 * {@link MAX_SUGGEST_LENGTH} get no suggestions, and the edit distance is computed only within the budget
 * that would make a candidate "close" (a band around the diagonal, with an early exit).
 */

/** Names longer than this get no close-match suggestions (no typo of a configured id is that long). */
export const MAX_SUGGEST_LENGTH = 64;

/**
 * Levenshtein edit distance between two strings (insert, delete, substitute; each costs 1). With `max`, any
 * distance above `max` is reported as `max + 1` and the work stays within `O(length · max)`: strings whose
 * lengths differ by more than `max` are not compared at all, no cell further than `max` from the diagonal is
 * computed, and it stops as soon as a whole row exceeds `max`.
 */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (a === b) return 0;
  const over = max + 1;
  if (Math.abs(a.length - b.length) > max) return over;
  // Keep `b` the shorter string: the rows are as long as `b`.
  if (b.length > a.length) [a, b] = [b, a];
  const n = a.length;
  const m = b.length;
  if (m === 0) return n <= max ? n : over;
  // The distance never exceeds `n`, so a larger budget changes nothing; `band` cells on each side suffice.
  const band = Math.min(max, n);
  const far = band + 1;
  let previous = new Uint32Array(m + 1);
  let current = new Uint32Array(m + 1);
  for (let j = 0; j <= m; j++) previous[j] = j <= band ? j : far;
  for (let i = 1; i <= n; i++) {
    const from = Math.max(1, i - band);
    const to = Math.min(m, i + band);
    // Cells left of the band count as "too far"; column 0 is the distance to the empty prefix.
    current[from - 1] = from === 1 ? (i <= band ? i : far) : far;
    let rowMin = current[from - 1]!;
    const ai = a.charCodeAt(i - 1);
    for (let j = from; j <= to; j++) {
      const substitute = previous[j - 1]! + (ai === b.charCodeAt(j - 1) ? 0 : 1);
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitute, far);
      current[j] = value;
      if (value < rowMin) rowMin = value;
    }
    // The cell right of the band is read by the next row as "above": mark it too far.
    if (to < m) current[to + 1] = far;
    if (rowMin > band) return over;
    const done = previous;
    previous = current;
    current = done;
  }
  const distance = previous[m]!;
  return distance <= max ? distance : over;
}

/**
 * Scores how close `candidate` is to `name`; lower is closer, `undefined` means "not close". A dotted
 * candidate is also compared by its last segment, so `chat-complet` finds
 * `generation.text-generation.chat-completion`.
 */
function closeness(name: string, candidate: string): number | undefined {
  const last = candidate.slice(candidate.lastIndexOf(".") + 1);
  const budget = Math.max(2, Math.floor(name.length / 3));
  const distance = Math.min(editDistance(name, candidate, budget), editDistance(name, last, budget));
  if (distance <= budget) return distance;
  // Prefix and substring hints rank after every edit-distance match.
  if (name.length >= 3 && (candidate.startsWith(name) || last.startsWith(name))) return budget + 1;
  if (name.length >= 4 && candidate.includes(name)) return budget + 2;
  return undefined;
}

/**
 * Returns up to `limit` candidates close to `name`, closest first, ties in alphabetical order. Exact
 * duplicates in `candidates` are listed once. A name longer than {@link MAX_SUGGEST_LENGTH} gets none.
 */
export function closeMatches(name: string, candidates: Iterable<string>, limit = 5): string[] {
  if (name.length > MAX_SUGGEST_LENGTH) return [];
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
