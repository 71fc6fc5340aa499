import { fileURLToPath } from "node:url";
import { build, type Metafile } from "esbuild";
import { describe, expect, it } from "vitest";

/** The package root must bundle for browsers: no `node:` built-ins and no undici anywhere in its graph. */

const ROOT = fileURLToPath(new URL("..", import.meta.url));

async function browserInputs(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: ROOT,
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
    // Siblings and zod are checked by their own packages; `node:*` stays external so a violation shows up as
    // an import in the metafile instead of failing the build.
    external: ["@modelmesh/*", "zod", "node:*"],
  });
  const inputs = (result.metafile as Metafile).inputs;
  return [...Object.keys(inputs), ...Object.values(inputs).flatMap((input) => input.imports.map((entry) => entry.path))];
}

const forbidden = (inputs: string[]) => inputs.filter((input) => input.startsWith("node:") || /(^|[/\\])undici([/\\]|$)/.test(input));

describe("browser bundle (esbuild, platform: browser)", () => {
  it("src/index.ts has no node: or undici input", async () => {
    const inputs = await browserInputs("src/index.ts");
    expect(inputs.some((input) => input.includes("openai-provider"))).toBe(true);
    expect(inputs.some((input) => input.includes("presets/ollama"))).toBe(true);
    expect(forbidden(inputs)).toEqual([]);
  });

  it("the check itself catches a node: import", async () => {
    expect(forbidden(await browserInputs("test/support/capture-server.ts"))).toEqual(expect.arrayContaining(["node:http"]));
  });
});
