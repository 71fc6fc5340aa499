/**
 * The secret-store, storage, observability and discovery suites each fail a deliberately broken connector on
 * the checks that cover its defects, while a control check the connector honours still passes.
 */
import { describe, expect, it } from "vitest";
import { LeakyStaleSecretStore, NoisyDiscovery, SloppyStorage, VerbatimObservability } from "../src/conformance/__fixtures__/broken.js";
import {
  discoveryConformance,
  failedChecks,
  observabilityConformance,
  runConformance,
  secretStoreConformance,
  storageConformance,
  type ConformanceResult,
} from "../src/index.js";

function statuses(results: readonly ConformanceResult[]): Record<string, string> {
  return Object.fromEntries(results.map((result) => [result.name, result.status]));
}

describe("secret-store suite", () => {
  it("fails a store that leaks values and serves stale cache entries", async () => {
    const results = await runConformance(
      secretStoreConformance,
      { create: ({ secrets }) => new LeakyStaleSecretStore(new Map(Object.entries(secrets))) },
      { only: ["get resolves every stored secret", "a missing secret rejects with MM_SECRET_MISSING and no value in the message", "set() then get() returns the new value (no stale cache)", "has() tells stored from missing names"] },
    );
    expect(statuses(results)).toEqual({
      "get resolves every stored secret": "passed",
      "a missing secret rejects with MM_SECRET_MISSING and no value in the message": "failed",
      "set() then get() returns the new value (no stale cache)": "failed",
      "has() tells stored from missing names": "skipped",
    });
  });
});

describe("storage suite", () => {
  it("fails a store with the reference's lock bugs, prefix-blind listing and shared buffers", async () => {
    const results = await runConformance(storageConformance, { create: () => new SloppyStorage() });
    expect(failedChecks(results).sort()).toEqual(
      [
        "list filters by prefix",
        "stored data is a copy (later mutation of the buffers changes nothing)",
        "locks: acquire, isLocked, release; a foreign or released handle releases nothing",
        "locks: a waiter gives up after waitMs while the holder's ttl runs",
        "locks: a lock lapses after its ttlMs; the lapsed handle then releases nothing",
      ].sort(),
    );
    expect(statuses(results)["save then load returns the same bytes and metadata"]).toBe("passed");
  });
});

describe("observability suite", () => {
  it("fails a connector that writes secrets verbatim and throws on odd input", async () => {
    const results = await runConformance(observabilityConformance, {
      create: () => new VerbatimObservability(),
      output: (connector) => (connector as VerbatimObservability).lines.join("\n"),
    });
    expect(failedChecks(results).sort()).toEqual(
      ["odd input (circular metadata, bigint, missing fields) never throws", "secrets in events, messages and trace metadata are never written"].sort(),
    );
    expect(statuses(results)["a writing connector writes what it receives, every event type identifiable"]).toBe("passed");
  });

  it("skips the output checks when no reader is given", async () => {
    const results = await runConformance(observabilityConformance, { create: () => new VerbatimObservability() });
    expect(statuses(results)["secrets in events, messages and trace metadata are never written"]).toBe("skipped");
  });
});

describe("discovery suite", () => {
  it("fails a connector that reports noise on every sync and whose probe rejects", async () => {
    const results = await runConformance(discoveryConformance, { create: () => new NoisyDiscovery(), capabilities: { probes: false } });
    expect(failedChecks(results).sort()).toEqual(["a repeated sync of an unchanged catalogue reports no changes", "probe echoes the provider id and never rejects"].sort());
    expect(statuses(results)["a healthy endpoint passes, a failing one fails and counts consecutive failures"]).toBe("skipped");
  });

  it("fails a connector declaring real probes when its probe always succeeds", async () => {
    const results = await runConformance(discoveryConformance, { create: () => new NoisyDiscovery() }, { only: ["a healthy endpoint passes, a failing one fails and counts consecutive failures"] });
    expect(failedChecks(results)).toHaveLength(1);
  });
});
