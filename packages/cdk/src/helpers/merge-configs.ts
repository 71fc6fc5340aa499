/** Deep, non-mutating configuration merge. */

const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/** True for `{}`-style objects (not arrays, dates, maps or class instances). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function cloneDeep<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => cloneDeep(item)) as T;
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) if (!FORBIDDEN_KEYS.has(key)) out[key] = cloneDeep(inner);
    return out as T;
  }
  return value;
}

/** The result type of {@link mergeConfigs}: override keys win, nested plain objects merge. */
export type Merged<B, O> = O extends Record<string, unknown>
  ? B extends Record<string, unknown>
    ? { [K in keyof B | keyof O]: K extends keyof O ? (K extends keyof B ? Merged<B[K], O[K]> : O[K]) : K extends keyof B ? B[K] : never }
    : O
  : O extends undefined
    ? B
    : O;

/**
 * Deep-merges `override` into `base` and returns a new object; neither input is mutated and the result
 * shares no plain objects or arrays with them. Plain objects merge recursively; arrays and scalars from
 * `override` replace; `undefined` in `override` keeps the base value (so optional fields don't erase
 * defaults). `__proto__`, `constructor` and `prototype` keys are dropped.
 *
 * @example
 * mergeConfigs({ retry: { max: 3, base: 100 }, tags: ["a"] }, { retry: { max: 5 }, tags: ["b"] });
 * // → { retry: { max: 5, base: 100 }, tags: ["b"] }
 */
export function mergeConfigs<B extends Record<string, unknown>, O extends Record<string, unknown>>(base: B, override: O): Merged<B, O> {
  return mergeValue(base, override) as Merged<B, O>;
}

function mergeValue(base: unknown, override: unknown): unknown {
  if (override === undefined) return cloneDeep(base);
  if (!isPlainObject(base) || !isPlainObject(override)) return cloneDeep(override);
  const out: Record<string, unknown> = cloneDeep(base);
  for (const [key, value] of Object.entries(override)) {
    if (FORBIDDEN_KEYS.has(key)) continue;
    out[key] = mergeValue(base[key], value);
  }
  return out;
}
