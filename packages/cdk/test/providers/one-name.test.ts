/**
 * One name, one meaning: the Node entry adds `NodeBaseProvider` and never renames it (`BaseProvider` is the
 * fetch class in both entries), sync policies are core's values, and a provider without a base URL is a
 * ConfigError.
 */
import { ConfigError, type SyncPolicy } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import * as root from "../../src/index.js";
import * as node from "../../src/node.js";

describe("CDK names", () => {
  it("BaseProvider is the same (fetch) class in both entries; the undici one is only NodeBaseProvider", () => {
    expect(node.BaseProvider).toBe(root.BaseProvider);
    expect(node.NodeBaseProvider).not.toBe(root.BaseProvider);
    expect("NodeBaseProvider" in root).toBe(false);
  });

  it("SyncPolicies lists exactly core's sync policies", () => {
    const all: Record<SyncPolicy, true> = { "in-memory": true, "sync-on-boundary": true, periodic: true, immediate: true };
    expect(Object.values(root.SyncPolicies).sort()).toEqual(Object.keys(all).sort());
    expect("SyncPolicy" in root).toBe(false);
  });

  it("a provider without a base URL fails with a ConfigError", () => {
    let error: unknown;
    try {
      new root.BaseProvider({ baseUrl: "" });
    } catch (e) {
      error = e;
    }
    expect(ConfigError.is(error)).toBe(true);
    expect((error as ConfigError).issues).toEqual([{ path: "config.base_url", message: expect.stringContaining("required") }]);
  });
});
