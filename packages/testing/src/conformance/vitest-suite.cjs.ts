/**
 * The CommonJS build's stand-in for vitest-suite.ts: vitest is ESM only (it cannot be required), so from a
 * CommonJS program the suites run as data (`runConformance`) and the `describe*Conformance` helpers say so.
 */
import { ConformanceError } from "./assert.js";
import type { describeConformance as Describe } from "./vitest-suite.js";

export const describeConformance: typeof Describe = () => {
  throw new ConformanceError("the describe*Conformance helpers need vitest, which cannot be required: import @modelmesh/testing from an ES module (vitest test files are), or run a suite's checks with runConformance");
};
