/** The package root must bundle for browsers: no `node:` built-ins and no undici anywhere in its graph. */
import { fileURLToPath } from "node:url";
import { browserBundleInputs, forbiddenBrowserInputs } from "@modelmesh/testing/bundle";
import { describe, expect, it } from "vitest";

const cwd = fileURLToPath(new URL("..", import.meta.url));

describe("browser bundle (esbuild, platform: browser)", () => {
  it("src/index.ts has no node: or undici input", async () => {
    const inputs = await browserBundleInputs("src/index.ts", { cwd });
    expect(inputs.some((input) => input.includes("openai-provider"))).toBe(true);
    expect(inputs.some((input) => input.includes("presets/ollama"))).toBe(true);
    expect(forbiddenBrowserInputs(inputs)).toEqual([]);
  });

  it("the check itself catches a node: import", async () => {
    expect(forbiddenBrowserInputs(await browserBundleInputs("test/support/capture-server.ts", { cwd }))).toEqual(expect.arrayContaining(["node:http"]));
  });
});
