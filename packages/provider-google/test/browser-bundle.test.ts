/** The package root must bundle for browsers with no Node built-in in its graph (STYLE c.8). */
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ENTRY = fileURLToPath(new URL("../src/index.ts", import.meta.url));

describe("browser bundle", () => {
  it("bundles src/index.ts for platform browser without any node: or undici input", async () => {
    const result = await build({
      entryPoints: [ENTRY],
      bundle: true,
      write: false,
      metafile: true,
      platform: "browser",
      format: "esm",
      external: ["@modelmesh/*", "zod"],
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((input) => input.endsWith("src/index.ts"))).toBe(true);
    expect(inputs.filter((input) => input.startsWith("node:") || input.includes("undici"))).toEqual([]);
    const imports = Object.values(result.metafile.outputs).flatMap((output) => output.imports.map((entry) => entry.path));
    expect(imports.filter((path) => path.startsWith("node:") || path === "undici")).toEqual([]);
  });
});
