/**
 * Package-level guarantees: core bundles for the browser with zero `node:` imports, its runtime
 * dependencies are exactly zod and yaml, and it does no work at import time.
 */
import { build } from "esbuild";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

describe("@modelmesh/core package", () => {
  it("bundles for the browser platform with no node: import anywhere in its graph", { timeout: 90_000 }, async () => {
    const result = await build({
      entryPoints: [`${root}src/index.ts`],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
      define: { __PACKAGE_VERSION__: '"test"' },
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.length).toBeGreaterThan(20);
    const nodeInputs = inputs.filter((input) => input.startsWith("node:") || /(^|\/)node_modules\/undici\//.test(input));
    expect(nodeInputs).toEqual([]);
    const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
    expect(imports.filter((path) => path.startsWith("node:"))).toEqual([]);
    // The bundle really contains zod and yaml (so the check above looked at the whole graph).
    expect(inputs.some((input) => input.includes("node_modules/zod/"))).toBe(true);
    expect(inputs.some((input) => input.includes("node_modules/yaml/"))).toBe(true);
  });

  it("has exactly zod and yaml as runtime dependencies", () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { dependencies?: Record<string, string>; peerDependencies?: Record<string, string>; sideEffects?: boolean };
    expect(Object.keys(pkg.dependencies ?? {}).sort()).toEqual(["yaml", "zod"]);
    expect(pkg.peerDependencies ?? {}).toEqual({});
    expect(pkg.sideEffects).toBe(false);
  });

  it("does no work at import time (no timers, no globals touched)", { timeout: 90_000 }, async () => {
    // A fresh, self-contained copy of the package (bundled from source) so this process has not loaded it yet.
    const bundled = await build({ entryPoints: [`${root}src/index.ts`], bundle: true, platform: "neutral", format: "esm", write: false, logLevel: "silent", mainFields: ["module", "main"] });
    const file = join(mkdtempSync(join(tmpdir(), "mm-core-")), "index.mjs");
    writeFileSync(file, bundled.outputFiles[0]!.text);
    const before = new Set(Object.keys(globalThis));
    const timers: unknown[] = [];
    const original = globalThis.setTimeout;
    globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
      timers.push(args);
      return original(...args);
    }) as typeof setTimeout;
    try {
      const mod = await import(/* @vite-ignore */ pathToFileURL(file).href);
      expect(typeof mod.createMesh).toBe("function");
    } finally {
      globalThis.setTimeout = original;
    }
    expect(timers).toEqual([]);
    // zod keeps its own global registry (`__zod_*`); nothing else may appear.
    expect(Object.keys(globalThis).filter((k) => !before.has(k) && !k.startsWith("__zod"))).toEqual([]);
  });
});
