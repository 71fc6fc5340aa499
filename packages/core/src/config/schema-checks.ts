/**
 * Checks shared by several schema objects. They run even when the object has other problems
 * (`when: () => true`), so one pass reports everything; they therefore read the value defensively.
 */
import { z } from "zod";

/** True for a non-null, non-array object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads a nested key path, or undefined when any step is missing or not an object. */
export function getIn(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}

/**
 * Marker put in `params` of a custom issue raised because two keys mean the same thing. The issue sits
 * at the second key; `conflictWith` is the first key's path relative to the checked object, and `depth`
 * the length of the issue's own relative path. The issue formatter turns it into a message naming both
 * full paths.
 */
export interface ConflictParams {
  conflictWith: string[];
  depth: number;
}

/** Adds a "both keys given" issue at `path` (relative to the checked object). */
export function addConflict(
  ctx: { addIssue(issue: { code: "custom"; message: string; path: PropertyKey[]; params: Record<string, unknown> }): void },
  path: string[],
  conflictWith: string[],
): void {
  const params: ConflictParams = { conflictWith, depth: path.length };
  ctx.addIssue({ code: "custom", message: "these keys mean the same thing; give only one", path, params: { ...params } });
}

/**
 * A check that each pair of key paths is not set together (synonyms, shorthands, nested aliases).
 * Each pair is `[canonical, alternative]`; the issue is reported at the alternative.
 */
export function exclusive(pairs: ReadonlyArray<readonly [string[], string[]]>) {
  return z.superRefine(
    (value: unknown, ctx) => {
      for (const [canonical, alternative] of pairs) {
        if (getIn(value, canonical) !== undefined && getIn(value, alternative) !== undefined) {
          addConflict(ctx, alternative, canonical);
        }
      }
    },
    { when: () => true },
  );
}
