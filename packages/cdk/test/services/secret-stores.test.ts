import { ConfigError, createManualClock, isModelMeshError } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { BaseSecretStore, MemorySecretStore } from "../../src/services/base-secret-store.js";
import { EnvSecretStore, toEnvName } from "../../src/services/env-secret-store.js";

class CountingStore extends BaseSecretStore {
  calls = 0;
  source: Record<string, string> = { key: "sk-secret-value-123456" };
  protected override async resolve(name: string): Promise<string | undefined> {
    this.calls++;
    await Promise.resolve();
    return this.source[name];
  }
}

describe("BaseSecretStore", () => {
  it("resolves through the hook and caches for the TTL on the injected clock", async () => {
    const clock = createManualClock();
    const store = new CountingStore({ cacheTtlMs: 1000, clock });
    expect(await store.get("key")).toBe("sk-secret-value-123456");
    store.source.key = "rotated";
    expect(await store.get("key")).toBe("sk-secret-value-123456");
    expect(store.calls).toBe(1);
    clock.advance(1000);
    expect(await store.get("key")).toBe("rotated");
    expect(store.calls).toBe(2);
    store.source.key = "again";
    store.clearCache();
    expect(await store.get("key")).toBe("again");
  });

  it("shares one lookup between concurrent gets", async () => {
    const store = new CountingStore();
    const values = await Promise.all([store.get("key"), store.get("key"), store.get("key")]);
    expect(new Set(values).size).toBe(1);
    expect(store.calls).toBe(1);
  });

  it("rejects missing secrets with MM_SECRET_MISSING naming only the secret, or returns '' when lenient", async () => {
    const strict = new BaseSecretStore({ id: "vault" });
    const error = await strict.get("absent").catch((e: unknown) => e);
    expect(isModelMeshError(error) && error.code).toBe("MM_SECRET_MISSING");
    expect(ConfigError.is(error)).toBe(true);
    expect((error as Error).message).toMatch(/^\[modelmesh\] \[config\] secrets: secret 'absent' was not found in store vault\. /);
    expect(await new BaseSecretStore({ failOnMissing: false }).get("absent")).toBe("");
  });

  it("has working management defaults: set, has, list, delete", async () => {
    const store = new BaseSecretStore({ secrets: { b: "2", a: "1" } });
    expect(await store.list()).toEqual(["a", "b"]);
    expect(await store.get("a")).toBe("1");
    await store.set("a", "one");
    expect(await store.get("a")).toBe("one"); // set invalidates the cache
    expect(await store.has("a")).toBe(true);
    expect(await store.delete("a")).toBe(true);
    expect(await store.delete("a")).toBe(false);
    expect(await store.has("a")).toBe(false);
    await store.close();
  });

  it("MemorySecretStore does not cache and is universal", async () => {
    const store = new MemorySecretStore({ secrets: { k: "v" } });
    expect(store.id).toBe("modelmesh.memory-secrets.v1");
    await store.set("k", "w");
    expect(await store.get("k")).toBe("w");
  });
});

describe("EnvSecretStore", () => {
  it("reads the injected env by name, then by UPPER_SNAKE, with a prefix", async () => {
    const env: Record<string, string | undefined> = { "openai-key": "a", ANTHROPIC_KEY: "b", MM_GROQ_KEY: "c", EMPTY: "" };
    expect(await new EnvSecretStore({ env }).get("openai-key")).toBe("a");
    expect(await new EnvSecretStore({ env }).get("anthropic-key")).toBe("b");
    expect(await new EnvSecretStore({ env, prefix: "MM_" }).get("groq.key")).toBe("c");
    expect(toEnvName("openaiApiKey")).toBe("OPENAI_API_KEY");
  });

  it("treats empty variables as missing and says which variables to set", async () => {
    const error = await new EnvSecretStore({ env: { EMPTY: "" } }).get("empty").catch((e: unknown) => e);
    expect((error as Error).message).toContain("Set the environment variable empty or EMPTY");
  });

  it("lists names with the prefix removed and writes to the injected record only", async () => {
    const env: Record<string, string | undefined> = { MM_A: "1", OTHER: "2" };
    const store = new EnvSecretStore({ env, prefix: "MM_", cacheEnabled: false });
    expect(await store.list()).toEqual(["A"]);
    await store.set("b", "3");
    expect(env.MM_b).toBe("3");
    expect(await store.delete("A")).toBe(true);
    expect(env.MM_A).toBeUndefined();
  });

  it("defaults to the process environment, read at call time", async () => {
    process.env.MM_TEST_SECRET_XYZ = "from-process";
    try {
      expect(await new EnvSecretStore().get("MM_TEST_SECRET_XYZ")).toBe("from-process");
    } finally {
      delete process.env.MM_TEST_SECRET_XYZ;
    }
  });
});
