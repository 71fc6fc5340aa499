/**
 * The conformance kit's backbone: a check is a named async function over a suite context; a suite knows how
 * to build that context from the caller's options (and tear it down). `runConformance` runs a suite without a
 * test runner and reports per check; `describeConformance` (in `vitest-suite.ts`) registers one `it` per check.
 */
import { ConformanceError, ConformanceSkip, show } from "./assert.js";

/** Capability flags: `false` means "declared unsupported", so checks that need it are skipped. */
export type CapabilityFlags = Readonly<Record<string, boolean | undefined>>;

/** One contract check. */
export interface ConformanceCheck<Context, Capabilities extends CapabilityFlags = CapabilityFlags> {
  /** Stable name; also the test title. */
  readonly name: string;
  /** Area of the contract (`contract`, `execution`, `faults`, `locks`, …). */
  readonly group: string;
  /** Capabilities the check needs; it is skipped when any of them is declared `false`. */
  readonly requires?: ReadonlyArray<keyof Capabilities & string>;
  /** Upper bound for the check in ms (default 10 000); a check still running then fails as a hang. */
  readonly timeoutMs?: number;
  /** Throws a `ConformanceError` on a violation, a `ConformanceSkip` when it does not apply. */
  run(context: Context): Promise<void>;
}

/** A built suite context and its teardown. */
export interface SuiteEnvironment<Context> {
  readonly context: Context;
  close(): Promise<void>;
}

/** A conformance suite for one connector type. */
export interface ConformanceSuite<Options, Context, Capabilities extends CapabilityFlags = CapabilityFlags> {
  /** Connector type, used in titles (`provider`, `storage`, …). */
  readonly kind: string;
  /** Every check, in run order. */
  readonly checks: ReadonlyArray<ConformanceCheck<Context, Capabilities>>;
  /** Capability flags with defaults applied. */
  capabilities(options: Options): Capabilities;
  /** Builds the context (starts servers, etc.). */
  setup(options: Options): Promise<SuiteEnvironment<Context>>;
}

/** Outcome of one check in {@link runConformance}. */
export interface ConformanceResult {
  name: string;
  group: string;
  status: "passed" | "failed" | "skipped";
  /** The violation (failed) or the reason (skipped). */
  message?: string;
  /** What the check threw, when it failed. */
  error?: unknown;
}

/** Default per-check bound. */
export const DEFAULT_CHECK_TIMEOUT_MS = 10_000;

/** True when the check needs a capability the subject declared unsupported. */
export function isSkipped(check: ConformanceCheck<never, CapabilityFlags>, capabilities: CapabilityFlags): boolean {
  return (check.requires ?? []).some((flag) => capabilities[flag] === false);
}

/** Runs one check under its time bound (a check that hangs fails instead of hanging its caller). */
export async function runCheck<Context>(check: ConformanceCheck<Context, CapabilityFlags>, context: Context): Promise<void> {
  const limit = check.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ConformanceError(`check "${check.name}" did not finish within ${limit} ms`)), limit);
  });
  try {
    await Promise.race([check.run(context), hang]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs a suite without a test runner: builds the context, runs every check (or those named in `only`) in
 * order, tears down, and reports each outcome. Used to prove that a broken connector fails specific checks.
 * @example
 * const results = await runConformance(providerConformance, { create: () => new MyProvider() }, { only: ["close is idempotent"] });
 */
export async function runConformance<Options, Context, Capabilities extends CapabilityFlags>(
  suite: ConformanceSuite<Options, Context, Capabilities>,
  options: Options,
  filter: { only?: readonly string[] } = {},
): Promise<ConformanceResult[]> {
  const unknown = (filter.only ?? []).filter((name) => !suite.checks.some((c) => c.name === name));
  if (unknown.length > 0) throw new TypeError(`[modelmesh] [conformance] unknown ${suite.kind} check(s): ${unknown.map((n) => show(n)).join(", ")}`);
  const capabilities = suite.capabilities(options);
  const environment = await suite.setup(options);
  const results: ConformanceResult[] = [];
  try {
    for (const check of suite.checks) {
      if (filter.only && !filter.only.includes(check.name)) continue;
      const base = { name: check.name, group: check.group };
      if (isSkipped(check as ConformanceCheck<never, CapabilityFlags>, capabilities)) {
        results.push({ ...base, status: "skipped", message: `needs ${(check.requires ?? []).join(", ")}` });
        continue;
      }
      try {
        await runCheck(check as ConformanceCheck<Context, CapabilityFlags>, environment.context);
        results.push({ ...base, status: "passed" });
      } catch (error) {
        if (error instanceof ConformanceSkip) results.push({ ...base, status: "skipped", message: error.message });
        else results.push({ ...base, status: "failed", message: error instanceof Error ? error.message : String(error), error });
      }
    }
  } finally {
    await environment.close();
  }
  return results;
}

/** Names of the failed checks in a result list (handy in assertions). */
export function failedChecks(results: readonly ConformanceResult[]): string[] {
  return results.filter((result) => result.status === "failed").map((result) => result.name);
}
