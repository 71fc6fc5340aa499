/**
 * The browser connectors bundle for the browser on their own: esbuild (`platform: "browser"`, ESM, minified,
 * `@modelmesh/core` left external as the package's build does; they import its zod-free `./runtime` entry)
 * sees no Node built-in, and the output uses no Node global. Their size is printed so a change that bloats
 * them shows in the log.
 */
import { fileURLToPath } from "node:url";
import { browserBundleReport } from "@modelmesh/testing/bundle";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

describe("browser connectors bundle", () => {
  it("has no node: input and no Node global, and stays small", async () => {
    const report = await browserBundleReport("src/connectors/index.ts", { cwd: ROOT, external: ["@modelmesh/core", "@modelmesh/core/runtime", "node:*"] });
    expect(report.nodeImports).toEqual([]);
    expect(report.nodeGlobals).toEqual([]);
    expect(report.inputs.filter((input) => !input.startsWith("src/connectors/"))).toEqual([]);
    expect(report.imports).toEqual(["@modelmesh/core/runtime"]);
    const gzipped = report.gzipBytes;
    console.log(`[connectors bundle] ${report.bytes} bytes minified, ${gzipped} bytes gzipped (core external)`);
    expect(gzipped).toBeLessThan(6_500);
  });
});
