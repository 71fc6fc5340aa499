/**
 * The browser bundle (the built package, bundled by esbuild as a page would be) holds no Node API and none of
 * the Node build's heavy dependencies: no `node:*` or other built-in import, no free `process`, `Buffer`,
 * `require`, `__dirname`, `__filename` or `global`, and no yaml, msgpackr, undici or zod. Its size is P6's
 * (`pnpm --filter @modelmesh/bench bench:p6`).
 */
import { fileURLToPath } from "node:url";
import { browserBundleReport } from "@modelmesh/testing/bundle";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

describe("browser bundle of @modelmesh/browser", () => {
  it("has no Node import, no Node global and none of yaml, msgpackr, undici, zod", async () => {
    const report = await browserBundleReport("dist/index.js", { cwd: ROOT });
    expect(report.nodeImports).toEqual([]);
    expect(report.nodeGlobals).toEqual([]);
    expect(Object.keys(report.byPackage).filter((name) => ["yaml", "msgpackr", "undici", "zod"].includes(name))).toEqual([]);
    expect(Object.keys(report.byPackage)).toEqual(expect.arrayContaining(["@modelmesh/browser", "@modelmesh/core"]));
  });
});
