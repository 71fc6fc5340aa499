/**
 * The package root must bundle for the browser with zero `node:` imports (ARCHITECTURE §1, STYLE c.8):
 * esbuild bundles `src/index.ts` for `platform: "browser"` with `@modelmesh/*` and zod external, and the
 * metafile must list no `node:` or undici input. A control bundle proves the check can fail.
 */
import { fileURLToPath } from "node:url";
import { build, type Metafile } from "esbuild";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

async function inputsOf(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: ROOT,
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
    // `node:*` stays external so a violation shows up as an import in the metafile instead of a build error.
    external: ["@modelmesh/*", "zod", "node:*"],
  });
  const inputs = (result.metafile as Metafile).inputs;
  return [...Object.keys(inputs), ...Object.values(inputs).flatMap((input) => input.imports.map((entry) => entry.path))];
}

const forbidden = (inputs: string[]) => inputs.filter((input) => input.startsWith("node:") || /(^|[/\\])undici([/\\]|$)/.test(input));

describe("browser bundle (esbuild, platform: browser)", () => {
  it("src/index.ts has no node: builtins or undici in its graph", async () => {
    const inputs = await inputsOf("src/index.ts");
    expect(inputs.some((input) => input.endsWith("anthropic-provider.ts"))).toBe(true);
    expect(forbidden(inputs)).toEqual([]);
  });

  it("the check catches a node: import (control)", async () => {
    expect(forbidden(await inputsOf("test/support/capture-server.ts"))).toContain("node:http");
  });
});
