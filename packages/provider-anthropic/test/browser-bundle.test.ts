/**
 * The package root must bundle for the browser with zero `node:` imports (ARCHITECTURE §1, STYLE c.8). A
 * control bundle proves the check can fail.
 */
import { fileURLToPath } from "node:url";
import { browserBundleInputs, forbiddenBrowserInputs } from "@modelmesh/testing/bundle";
import { describe, expect, it } from "vitest";

const cwd = fileURLToPath(new URL("..", import.meta.url));

describe("browser bundle (esbuild, platform: browser)", () => {
  it("src/index.ts has no node: builtins or undici in its graph", async () => {
    const inputs = await browserBundleInputs("src/index.ts", { cwd });
    expect(inputs.some((input) => input.endsWith("anthropic-provider.ts"))).toBe(true);
    expect(forbiddenBrowserInputs(inputs)).toEqual([]);
  });

  it("the check catches a node: import (control)", async () => {
    expect(forbiddenBrowserInputs(await browserBundleInputs("test/support/capture-server.ts", { cwd }))).toContain("node:http");
  });
});
