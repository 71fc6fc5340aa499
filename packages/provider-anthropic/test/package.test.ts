/**
 * Package-level guarantees: the public runtime surface (STYLE c.4), no work at import time (no timers, no
 * globals), and the dependency shape (zod at runtime; core and cdk as peers; no side effects).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  sideEffects?: boolean;
};

describe("@modelmesh/provider-anthropic package", () => {
  it("exports exactly the reviewed runtime surface, and does no work at import time", async () => {
    const timers: unknown[] = [];
    const original = globalThis.setTimeout;
    const before = new Set(Object.keys(globalThis));
    globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
      timers.push(args);
      return original(...args);
    }) as typeof setTimeout;
    let mod: Record<string, unknown>;
    try {
      mod = await import("../src/index.js");
    } finally {
      globalThis.setTimeout = original;
    }
    expect(timers).toEqual([]);
    expect(Object.keys(globalThis).filter((key) => !before.has(key) && !key.startsWith("__zod") && !key.startsWith("__vite"))).toEqual([]);
    expect(Object.keys(mod).sort()).toMatchInlineSnapshot(`
      [
        "ANTHROPIC_BASE_URL",
        "ANTHROPIC_MODELS",
        "ANTHROPIC_VERSION",
        "AnthropicProvider",
        "VERSION",
        "anthropicProviderConfigSchema",
        "connector",
        "createAnthropicProvider",
      ]
    `);
    expect(typeof mod.VERSION).toBe("string");
  });

  it("depends on zod at runtime and on core + cdk as peers, without side effects", () => {
    expect(Object.keys(pkg.dependencies ?? {})).toEqual(["zod"]);
    expect(Object.keys(pkg.peerDependencies ?? {}).sort()).toEqual(["@modelmesh/cdk", "@modelmesh/core"]);
    expect(pkg.sideEffects).toBe(false);
  });
});
