import { join } from "node:path";
import type { ViteUserConfig } from "vitest/config";

/**
 * Test settings shared by every package. When MODELMESH_VITEST_REPORT_DIR is set (by `npm test`), each package
 * also writes a JSON report there so the runner can print one "N passed, N failed" line for the whole repo.
 */
export function sharedTestConfig(name: string, overrides: NonNullable<ViteUserConfig["test"]> = {}): ViteUserConfig {
  const reportDir = process.env.MODELMESH_VITEST_REPORT_DIR;
  return {
    test: {
      include: ["src/**/*.test.ts", "test/**/*.test.ts"],
      testTimeout: 20_000,
      hookTimeout: 20_000,
      reporters: reportDir
        ? ["default", ["json", { outputFile: join(reportDir, `${name.replace(/[^a-z0-9-]/gi, "_")}.json`) }]]
        : ["default"],
      ...overrides,
    },
  };
}
