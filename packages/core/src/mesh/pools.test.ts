/**
 * The core-owned pool registry: configured pools as given, on-demand ones built once with default policies,
 * name resolutions remembered until a pool is replaced.
 */
import { describe, expect, it } from "vitest";
import { CapabilityTree } from "../capability/tree.js";
import type { RouterModel } from "../router/types.js";
import { PoolRegistry } from "./pools.js";

const CHAT = "generation.text-generation.chat-completion";

function model(id: string, providerId: string, capabilities = [CHAT]): RouterModel {
  return { id, providerId, upstreamModel: id.split(".")[1]!, capabilities, features: {}, delivery: { synchronous: true, streaming: true } };
}

function registry() {
  const tree = CapabilityTree.createDefault();
  const models = new Map([model("a.one", "a"), model("b.two", "b"), model("a.vec", "a", ["representation.embeddings.text-embeddings"])].map((m) => [m.id, m]));
  const pools = new PoolRegistry({ models, tree });
  pools.set(pools.standard({ id: "mine", members: ["b.two", "a.one"] }));
  return { tree, models, pools };
}

describe("PoolRegistry", () => {
  it("builds the on-demand pool of a capability once, with every model under it and the default policies", () => {
    const { pools } = registry();
    const first = pools.resolve("chat-completion");
    expect(first.resolution).toEqual({ kind: "alias", node: CHAT });
    expect(first.pool).toMatchObject({ id: `capability:${CHAT}`, capability: CHAT, members: ["a.one", "b.two"] });
    expect(first.pool.policies.selection.id).toBe("modelmesh.priority-selection.v1");
    expect(first.pool.policies.deactivation.id).toBe("modelmesh.threshold-deactivation.v1");
    expect(first.pool.retry).toMatchObject({ maxSameRouteRetries: 2, maxTotalAttempts: 6 });
    expect(pools.resolve(CHAT).pool).toBe(first.pool);
    expect(pools.forCapability(CHAT)).toBe(first.pool);
    expect(pools.get(`capability:${CHAT}`)).toBe(first.pool);
  });

  it("builds a single-model pool for a model name, and resolves configured pools as given", () => {
    const { pools } = registry();
    const single = pools.resolve("b.two");
    expect(single.resolution).toEqual({ kind: "model", modelId: "b.two" });
    expect(single.pool).toMatchObject({ id: "model:b.two", members: ["b.two"] });
    expect(pools.resolve("two").pool).toBe(single.pool); // the upstream id, unique here
    expect(pools.resolve("mine").pool.members).toEqual(["b.two", "a.one"]);
    expect(() => pools.resolve("nope")).toThrow(expect.objectContaining({ code: "MM_UNKNOWN_MODEL" }));
  });

  it("replacing a pool bumps the version and forgets remembered resolutions; building one on demand does not", () => {
    const { pools } = registry();
    const v0 = pools.version;
    const before = pools.resolve("mine").pool;
    pools.resolve("chat-completion");
    expect(pools.version).toBe(v0);
    const replaced = pools.standard({ id: "mine", members: ["a.one"] });
    pools.set(replaced);
    expect(pools.version).toBe(v0 + 1);
    expect(pools.resolve("mine").pool).toBe(replaced);
    expect(pools.resolve("mine").pool).not.toBe(before);
    expect(pools.delete("mine")).toBe(true);
    expect(pools.version).toBe(v0 + 2);
    expect(() => pools.resolve("mine")).toThrow(expect.objectContaining({ code: "MM_UNKNOWN_MODEL" }));
  });
});
