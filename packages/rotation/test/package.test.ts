/**
 * Package-level guarantees: the public surface is exactly the reviewed list, nothing runs at import time,
 * and the package bundles for the browser (no `node:` import) with core as its only (peer) dependency.
 */
import { build } from "esbuild";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

describe("@modelmesh/rotation package", () => {
  it("exports exactly the reviewed runtime names", async () => {
    const mod = await import("../src/index.js");
    expect(Object.keys(mod).sort()).toEqual([
      "CALENDAR_RECOVERY_ID",
      "COST_FIRST_ID",
      "HashRing",
      "LATENCY_FIRST_ID",
      "LOAD_BALANCED_ID",
      "MaintenanceScheduler",
      "PRIORITY_SELECTION_ID",
      "PROBED_REASONS",
      "QUOTA_REASONS",
      "RATE_LIMIT_AWARE_ID",
      "ROTATION_CONNECTORS",
      "ROUND_ROBIN_ID",
      "RULES_DEACTIVATION_ID",
      "RecoveryScheduler",
      "SESSION_STICKINESS_ID",
      "VERSION",
      "calendarRecoveryConnector",
      "costFirstConnector",
      "createCalendarRecovery",
      "createCostFirst",
      "createLatencyFirst",
      "createLoadBalanced",
      "createPrioritySelection",
      "createRateLimitAware",
      "createRoundRobin",
      "createRulesDeactivation",
      "createSessionStickiness",
      "defaultProbeRequest",
      "latencyFirstConnector",
      "loadBalancedConnector",
      "parseCron",
      "prioritySelectionConnector",
      "quotaResetAt",
      "rateLimitAwareConnector",
      "registerRotationConnectors",
      "roundRobinConnector",
      "rulesDeactivationConnector",
      "sessionStickinessConnector",
    ]);
  });

  it("every connector is a rotation connector with a role, a vN id and a unique alias", async () => {
    const { ROTATION_CONNECTORS } = await import("../src/index.js");
    const ids = ROTATION_CONNECTORS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of ROTATION_CONNECTORS) {
      expect(c.type).toBe("rotation");
      expect(c.id).toMatch(/^modelmesh\.[a-z-]+\.v1$/);
      expect(["selection", "deactivation", "recovery"]).toContain(c.role);
    }
    expect(ROTATION_CONNECTORS.filter((c) => c.role === "selection")).toHaveLength(7);
  });

  it("bundles for the browser with no node: import anywhere in its graph", async () => {
    const result = await build({ entryPoints: [`${root}src/index.ts`], bundle: true, platform: "browser", format: "esm", write: false, metafile: true, logLevel: "silent" });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((input) => input.includes("core/"))).toBe(true); // core was bundled too, so its graph was checked
    const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
    expect(imports.filter((path) => path.startsWith("node:"))).toEqual([]);
  });

  it("does no work at import time (no timers, no globals touched)", async () => {
    const bundled = await build({ entryPoints: [`${root}src/index.ts`], bundle: true, platform: "neutral", format: "esm", write: false, logLevel: "silent", mainFields: ["module", "main"] });
    const file = join(mkdtempSync(join(tmpdir(), "mm-rotation-")), "index.mjs");
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
      expect(typeof mod.registerRotationConnectors).toBe("function");
    } finally {
      globalThis.setTimeout = original;
    }
    expect(timers).toEqual([]);
    expect(Object.keys(globalThis).filter((k) => !before.has(k) && !k.startsWith("__zod"))).toEqual([]);
  });

  it("depends on nothing at runtime but its core peer", () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { dependencies?: object; peerDependencies?: object; sideEffects?: boolean };
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(Object.keys(pkg.peerDependencies ?? {})).toEqual(["@modelmesh/core"]);
    expect(pkg.sideEffects).toBe(false);
  });
});
