/**
 * Assertions used by the conformance checks. They do not depend on a test runner, so the checks run under
 * vitest (`describe*Conformance`) and programmatically (`runConformance`) alike; a failure throws a
 * {@link ConformanceError} whose message says what the contract expected and what was observed.
 */

/** A conformance check found a contract violation. */
export class ConformanceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`[modelmesh] [conformance] ${message}`, options);
    this.name = "ModelMeshConformanceError";
  }
}

/** Thrown by a check that does not apply to the subject (an optional method is absent). */
export class ConformanceSkip extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "ModelMeshConformanceSkip";
  }
}

/** Fails the check unless `condition` holds. */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ConformanceError(message);
}

/** Short, safe rendering of a value for messages. */
export function show(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message.slice(0, 200)}`;
  if (typeof value === "string") return JSON.stringify(value.length > 120 ? `${value.slice(0, 120)}…` : value);
  try {
    const text = JSON.stringify(value, (_key, inner: unknown) => (typeof inner === "bigint" ? inner.toString() : inner));
    if (text === undefined) return String(value);
    return text.length > 200 ? `${text.slice(0, 200)}…` : text;
  } catch {
    return String(value);
  }
}

/** Fails unless `actual === expected`. */
export function equal(actual: unknown, expected: unknown, what: string): void {
  if (!Object.is(actual, expected)) throw new ConformanceError(`${what}: expected ${show(expected)}, got ${show(actual)}`);
}

/** Fails unless both values serialise to the same JSON (key order ignored). */
export function sameJson(actual: unknown, expected: unknown, what: string): void {
  if (canonical(actual) !== canonical(expected)) throw new ConformanceError(`${what}: expected ${show(expected)}, got ${show(actual)}`);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== "object" || Array.isArray(inner)) return inner;
    return Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }) ?? "undefined";
}

/** Fails unless `value` is a function property of `target`. */
export function hasMethod(target: unknown, name: string, subject: string): void {
  const method = (target as Record<string, unknown> | null | undefined)?.[name];
  check(typeof method === "function", `${subject} must implement ${name}() (found ${typeof method})`);
}

/** Settles `promise` within `ms` (raw outcome); a promise still pending then fails the check as a hang. */
async function race<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ConformanceError(`${what} did not settle within ${ms} ms (it hangs)`)), ms);
  });
  promise.catch(() => {});
  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves `promise` within `ms`; a hang or a rejection fails the check, naming `what`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  try {
    return await race(promise, ms, what);
  } catch (error) {
    if (error instanceof ConformanceError) throw error;
    throw new ConformanceError(`${what} must not reject, it rejected with ${show(error)}`, { cause: error });
  }
}

/** Runs `action` (bounded by `ms`) and returns what it threw; fails when it resolves or hangs. */
export async function rejection(action: () => Promise<unknown>, ms: number, what: string): Promise<unknown> {
  let result: unknown;
  try {
    result = await race(Promise.resolve().then(action), ms, what);
  } catch (error) {
    if (error instanceof ConformanceError && error.message.includes("did not settle")) throw error;
    return error;
  }
  throw new ConformanceError(`${what} must reject, but it resolved with ${show(result)}`);
}

/** The string `code` of an error, if it has one. */
export function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

/** A finite number ≥ 0. */
export function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

/** Deep-freezes plain data so a check can detect mutation of its inputs (strict-mode writes then throw). */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value as Record<string, unknown>)) deepFreeze(inner);
  }
  return value;
}
