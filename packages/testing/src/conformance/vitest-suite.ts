/**
 * The only module of the root entry that touches vitest (an optional peer): it turns a conformance suite
 * into one `describe` block with one `it` per check, skipping (`it.skipIf`) what the subject declares
 * unsupported and skipping at run time what does not apply (an absent optional method).
 *
 * vitest is imported when the module loads, and its absence is not an error: the root entry (the suites as
 * data, the fixtures) works without it, and only calling a `describe*Conformance` helper needs it. The
 * CommonJS build replaces this module with vitest-suite.cjs.ts (vitest cannot be required).
 */
import { ConformanceError, ConformanceSkip } from "./assert.js";
import { DEFAULT_CHECK_TIMEOUT_MS, isSkipped, runCheck, type CapabilityFlags, type ConformanceCheck, type ConformanceSuite, type SuiteEnvironment } from "./runner.js";

type Vitest = typeof import("vitest");
const vitest: Vitest | undefined = await import("vitest").catch(() => undefined);

function vitestApi(): Vitest {
  if (!vitest) throw new ConformanceError("the describe*Conformance helpers run inside vitest, which is not installed (npm install -D vitest); without it, run a suite's checks with runConformance");
  return vitest;
}

/**
 * Registers `suite` for `name` in the current vitest file: the context is built in `beforeAll` and torn down
 * in `afterAll`; each check is one test.
 */
export function describeConformance<Options, Context, Capabilities extends CapabilityFlags>(
  suite: ConformanceSuite<Options, Context, Capabilities>,
  name: string,
  options: Options,
): void {
  const { afterAll, beforeAll, describe, it } = vitestApi();
  const capabilities = suite.capabilities(options);
  describe(`${name} — ${suite.kind} conformance`, () => {
    let environment: SuiteEnvironment<Context> | undefined;
    beforeAll(async () => {
      environment = await suite.setup(options);
    }, 30_000);
    afterAll(async () => {
      await environment?.close();
    }, 30_000);
    for (const check of suite.checks) {
      const skipped = isSkipped(check as ConformanceCheck<never, CapabilityFlags>, capabilities);
      // vitest's own timeout sits above the check's bound, so a hang is reported by the check with context.
      const timeout = (check.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS) + 2_000;
      it.skipIf(skipped)(`[${check.group}] ${check.name}`, async (test) => {
        if (!environment) throw new Error(`[modelmesh] [conformance] the ${suite.kind} suite failed to start`);
        try {
          await runCheck(check as ConformanceCheck<Context, CapabilityFlags>, environment.context);
        } catch (error) {
          if (error instanceof ConformanceSkip) return test.skip(error.message);
          throw error;
        }
      }, timeout);
    }
  });
}
