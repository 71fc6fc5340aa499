/**
 * The P6 harness: it bundles createBrowser with its provider and the `openai` SDK client as a page would, and
 * reports sizes, shares and Node leftovers. Functional facts only; the figures come from `bench:p6`.
 */
import { describe, expect, it } from "vitest";
import { P6_TARGET_GZIP_BYTES, runP6 } from "../src/p6.js";

describe("P6 harness", () => {
  it("reports both bundles, the browser build's shares by package, and no Node API in it", async () => {
    const result = await runP6();
    expect(result.benchmark).toBe("P6");
    const { browser, openaiSdk } = result;
    for (const report of [browser, openaiSdk]) {
      expect(report.gzipBytes).toBeGreaterThan(0);
      expect(report.gzipBytes).toBeLessThan(report.bytes);
    }
    // The shares add up to the bundle (esbuild's runtime helpers aside) and name the packages it is made of.
    const shares = Object.values(browser.byPackage).reduce((a, b) => a + b, 0);
    expect(shares).toBeLessThanOrEqual(browser.bytes);
    expect(shares).toBeGreaterThan(browser.bytes * 0.95);
    expect(Object.keys(browser.byPackage)).toEqual(expect.arrayContaining(["@modelmesh/browser", "@modelmesh/core", "@modelmesh/provider-openai"]));
    expect(Object.keys(openaiSdk.byPackage)).toContain("openai");
    expect(browser.nodeImports).toEqual([]);
    expect(browser.nodeGlobals).toEqual([]);
    expect(result.ratioToOpenAISdk).toBeCloseTo(browser.gzipBytes / openaiSdk.gzipBytes, 2);
    expect(result.target).toEqual({ gzipBytesAtMost: P6_TARGET_GZIP_BYTES, met: browser.gzipBytes <= P6_TARGET_GZIP_BYTES });
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });
});
