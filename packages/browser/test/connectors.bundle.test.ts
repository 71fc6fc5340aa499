/**
 * The browser connectors bundle for the browser on their own: esbuild (`platform: "browser"`, ESM, minified,
 * `@modelmesh/core` left external as the package's build does; they import its zod-free `./runtime` entry)
 * sees no Node built-in, and the output uses no Node global. Their size is printed so a change that bloats
 * them shows in the log.
 */
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { forbiddenBrowserInputs } from "@modelmesh/testing/bundle";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

describe("browser connectors bundle", () => {
  it("has no node: input and no Node global, and stays small", async () => {
    const result = await build({
      entryPoints: ["src/connectors/index.ts"],
      absWorkingDir: ROOT,
      bundle: true,
      platform: "browser",
      format: "esm",
      minify: true,
      write: false,
      metafile: true,
      logLevel: "silent",
      external: ["@modelmesh/core", "@modelmesh/core/runtime", "node:*"],
    });
    const inputs = Object.entries(result.metafile.inputs).flatMap(([path, input]) => [path, ...input.imports.map((imported) => imported.path)]);
    expect(forbiddenBrowserInputs(inputs)).toEqual([]);
    expect(inputs.filter((input) => !input.startsWith("src/connectors/") && input !== "@modelmesh/core/runtime")).toEqual([]);
    const code = result.outputFiles[0]!.text;
    for (const global of ["Buffer", "process", "require(", "__dirname", "setImmediate", "global."]) expect(code, global).not.toContain(global);
    const gzipped = gzipSync(code).byteLength;
    console.log(`[connectors bundle] ${code.length} bytes minified, ${gzipped} bytes gzipped (core external)`);
    expect(gzipped).toBeLessThan(6_500);
  });
});
