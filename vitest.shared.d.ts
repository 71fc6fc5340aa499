import type { ViteUserConfig } from "vitest/config";
/**
 * Test settings shared by every package. When MODELMESH_VITEST_REPORT_DIR is set (by `npm test`), each package
 * also writes a JSON report there so the runner can print one "N passed, N failed" line for the whole repo.
 */
export declare function sharedTestConfig(name: string, overrides?: NonNullable<ViteUserConfig["test"]>): ViteUserConfig;
