/**
 * `modelmesh` under the `browser` export condition: a page's bundler resolves `import { createBrowser } from
 * "modelmesh"` to `@modelmesh/browser`, and the bundle holds no Node API (the Node entry would pull in
 * `node:fs` and undici).
 */
import { fileURLToPath } from "node:url";
import { browserBundleReport } from "@modelmesh/testing/bundle";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

describe("modelmesh for browsers", () => {
  it("resolves to the browser build: createBrowser, no Node import or global", async () => {
    const report = await browserBundleReport({ contents: 'import { createBrowser } from "modelmesh"; export const client = () => createBrowser({ config: { providers: {} } });' }, { cwd: ROOT });
    expect(report.nodeImports).toEqual([]);
    expect(report.nodeGlobals).toEqual([]);
    expect(report.inputs.some((input) => /browser[/\\]dist[/\\]create-browser\.js$/.test(input))).toBe(true);
    expect(report.byPackage.undici).toBeUndefined();
  });
});
