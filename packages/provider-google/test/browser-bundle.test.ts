/** The package root must bundle for browsers with no Node built-in in its graph (STYLE c.8). */
import { fileURLToPath } from "node:url";
import { browserBundleInputs, forbiddenBrowserInputs } from "@modelmesh/testing/bundle";
import { describe, expect, it } from "vitest";

const cwd = fileURLToPath(new URL("..", import.meta.url));

describe("browser bundle", () => {
  it("bundles src/index.ts for platform browser without any node: or undici input", async () => {
    const inputs = await browserBundleInputs("src/index.ts", { cwd });
    expect(inputs.some((input) => input.endsWith("gemini-provider.ts"))).toBe(true);
    expect(forbiddenBrowserInputs(inputs)).toEqual([]);
  });

  it("the check catches a node: import (control)", async () => {
    expect(forbiddenBrowserInputs(await browserBundleInputs("test/support/capture-server.ts", { cwd }))).toContain("node:http");
  });
});
