import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors/errors.js";
import { isModelMeshError, type ModelMeshError } from "../errors/model-mesh-error.js";
import { poolMembers, resolveVirtualName, type NameContext, type NamedModel, type NamedPool } from "./resolve-name.js";
import { PREDEFINED_POOLS } from "./taxonomy.js";
import { CapabilityTree } from "./tree.js";

function caught(fn: () => unknown): ModelMeshError {
  try {
    fn();
  } catch (error) {
    if (isModelMeshError(error)) return error;
    throw error;
  }
  throw new Error("expected a ModelMeshError");
}

const MODELS: NamedModel[] = [
  { id: "openai.gpt-4o", providerId: "openai", upstreamModel: "gpt-4o" },
  { id: "openai.gpt-4.1", providerId: "openai", upstreamModel: "gpt-4.1" },
  { id: "azure.gpt-4.1", providerId: "azure", upstreamModel: "gpt-4.1" },
  { id: "anthropic.claude-sonnet", providerId: "anthropic", upstreamModel: "claude-sonnet-4-5" },
];

function context(extraPools: NamedPool[] = [], tree = CapabilityTree.createDefault()): NameContext {
  const pools = new Map<string, NamedPool>();
  for (const pool of [...PREDEFINED_POOLS, ...extraPools]) pools.set(pool.id, { id: pool.id, capability: pool.capability });
  return { tree, pools, models: new Map(MODELS.map((m) => [m.id, m])) };
}

describe("resolveVirtualName", () => {
  it("1. resolves a configured pool id", () => {
    const ctx = context([{ id: "code-review", capability: "generation.text-generation.code-generation" }]);
    expect(resolveVirtualName("code-review", ctx)).toEqual({
      kind: "pool", poolId: "code-review", node: "generation.text-generation.code-generation",
    });
    const explicitOnly = context([{ id: "fixed" }]);
    expect(resolveVirtualName("fixed", explicitOnly)).toEqual({ kind: "pool", poolId: "fixed" });
  });

  it("2. resolves a predefined pool id before the same-named alias", () => {
    expect(resolveVirtualName("text-generation", context())).toEqual({
      kind: "pool", poolId: "text-generation", node: "generation.text-generation",
    });
    expect(resolveVirtualName("speech-to-text", context())).toEqual({
      kind: "pool", poolId: "speech-to-text", node: "understanding.audio-understanding.speech-to-text",
    });
  });

  it("3. resolves a full leaf path, with no pool when none targets it", () => {
    expect(resolveVirtualName("generation.text-generation.chat-completion", context())).toEqual({
      kind: "capability", node: "generation.text-generation.chat-completion",
    });
  });

  it("4. resolves a full inner path to the pool targeting exactly that node", () => {
    expect(resolveVirtualName("representation.embeddings", context())).toEqual({
      kind: "capability", node: "representation.embeddings", poolId: "embeddings",
    });
    expect(resolveVirtualName("generation", context())).toEqual({ kind: "capability", node: "generation" });
  });

  it("5. resolves a short leaf alias", () => {
    expect(resolveVirtualName("chat-completion", context())).toEqual({
      kind: "alias", node: "generation.text-generation.chat-completion",
    });
    expect(resolveVirtualName("ocr", context())).toEqual({ kind: "alias", node: "understanding.vision-understanding.ocr" });
  });

  it("6. resolves a short inner alias", () => {
    expect(resolveVirtualName("audio-understanding", context())).toEqual({
      kind: "alias", node: "understanding.audio-understanding",
    });
  });

  it("7. picks the pool for a node deterministically when several target it", () => {
    const node = "generation.text-generation.chat-completion";
    const ctx = context([{ id: "zeta", capability: node }, { id: "alpha", capability: node }]);
    expect(resolveVirtualName("chat-completion", ctx)).toEqual({ kind: "alias", node, poolId: "alpha" });
    const named = context([{ id: "alpha", capability: node }, { id: "chat-completion-x", capability: node }]);
    expect(resolveVirtualName(node, named)).toMatchObject({ poolId: "alpha" });
    // A pool whose id equals the node name wins over alphabetical order; it is also found first by id.
    const same = context([{ id: "alpha", capability: "transformation.rewriting" }, { id: "rewriting", capability: "transformation.rewriting" }]);
    expect(resolveVirtualName("transformation.rewriting", same)).toMatchObject({ poolId: "rewriting" });
  });

  it("8. resolves a model config id, dotted ids matched whole (never split at dots)", () => {
    expect(resolveVirtualName("openai.gpt-4o", context())).toEqual({ kind: "model", modelId: "openai.gpt-4o" });
    expect(resolveVirtualName("openai.gpt-4.1", context())).toEqual({ kind: "model", modelId: "openai.gpt-4.1" });
    expect(resolveVirtualName("azure.gpt-4.1", context())).toEqual({ kind: "model", modelId: "azure.gpt-4.1" });
  });

  it("9. resolves an unambiguous upstream id", () => {
    expect(resolveVirtualName("gpt-4o", context())).toEqual({ kind: "model", modelId: "openai.gpt-4o" });
    expect(resolveVirtualName("claude-sonnet-4-5", context())).toEqual({ kind: "model", modelId: "anthropic.claude-sonnet" });
  });

  it("10. resolves the provider/upstream form, which also disambiguates a shared upstream id", () => {
    expect(resolveVirtualName("openai/gpt-4o", context())).toEqual({ kind: "model", modelId: "openai.gpt-4o" });
    expect(resolveVirtualName("azure/gpt-4.1", context())).toEqual({ kind: "model", modelId: "azure.gpt-4.1" });
    expect(resolveVirtualName("openai/gpt-4.1", context())).toEqual({ kind: "model", modelId: "openai.gpt-4.1" });
  });

  it("11. rejects an upstream id shared by two models, listing them", () => {
    const error = caught(() => resolveVirtualName("gpt-4.1", context()));
    expect(error.code).toBe("MM_AMBIGUOUS_NAME");
    expect(error.category).toBe("invalid_request");
    expect(error.message).toContain("openai.gpt-4.1");
    expect(error.message).toContain("azure.gpt-4.1");
    // "1" (the tail after the first dot of gpt-4.1) is not a model.
    expect(caught(() => resolveVirtualName("1", context())).code).toBe("MM_UNKNOWN_MODEL");
  });

  it("12. resolves a custom node by path and alias after add", () => {
    const tree = CapabilityTree.createDefault().add("compliance.pii-detection");
    const ctx = context([{ id: "pii", capability: "compliance.pii-detection" }], tree);
    expect(resolveVirtualName("compliance.pii-detection", ctx)).toEqual({
      kind: "capability", node: "compliance.pii-detection", poolId: "pii",
    });
    expect(resolveVirtualName("pii-detection", ctx)).toEqual({ kind: "alias", node: "compliance.pii-detection", poolId: "pii" });
    expect(resolveVirtualName("compliance", ctx)).toEqual({ kind: "capability", node: "compliance" });
  });

  it("13. rejects an alias made ambiguous by a custom node, listing the candidate paths", () => {
    const tree = CapabilityTree.createDefault();
    const ctx = context([], tree);
    expect(resolveVirtualName("classification", ctx)).toMatchObject({ kind: "alias" });
    tree.add("compliance.classification");
    const error = caught(() => resolveVirtualName("classification", ctx));
    expect(error.code).toBe("MM_AMBIGUOUS_NAME");
    expect(error.message).toContain("understanding.text-understanding.classification");
    expect(error.message).toContain("compliance.classification");
    expect(error.metadata.candidates).toEqual(["understanding.text-understanding.classification", "compliance.classification"]);
  });

  it("14. fails for an unknown name with close matches among pools, aliases and models", () => {
    const error = caught(() => resolveVirtualName("gpt4o", context()));
    expect(error.code).toBe("MM_UNKNOWN_MODEL");
    expect(error.category).toBe("invalid_request");
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('"gpt4o"');
    expect(error.message).toContain("gpt-4o");
    const alias = caught(() => resolveVirtualName("chat-complete", context()));
    expect(alias.message).toContain("chat-completion");
    const pool = caught(() => resolveVirtualName("embedings", context()));
    expect(pool.metadata.suggestions).toContain("embeddings");
    const many = caught(() => resolveVirtualName("text", context()));
    expect((many.metadata.suggestions as string[]).length).toBeLessThanOrEqual(5);
    const none = caught(() => resolveVirtualName("qqqqqqqqqqqq", context()));
    expect(none.metadata.suggestions).toEqual([]);
  });
});

describe("poolMembers", () => {
  const tree = CapabilityTree.createDefault();
  const models = [
    { id: "openai.gpt-4o", providerId: "openai", capabilities: ["generation.text-generation.chat-completion", "understanding.vision-understanding.image-captioning"] },
    { id: "openai.embed", providerId: "openai", capabilities: ["representation.embeddings.text-embeddings"] },
    { id: "anthropic.claude", providerId: "anthropic", capabilities: ["generation.text-generation.chat-completion"] },
    { id: "mistral.codestral", providerId: "mistral", capabilities: ["generation.text-generation.code-generation"] },
    { id: "openai.whisper", providerId: "openai", capabilities: ["understanding.audio-understanding.speech-to-text"] },
  ];

  it("includes models at the node or any descendant, in registration order", () => {
    expect(poolMembers({ capability: "generation.text-generation" }, models, tree)).toEqual([
      "openai.gpt-4o", "anthropic.claude", "mistral.codestral",
    ]);
    expect(poolMembers({ capability: "generation" }, models, tree)).toEqual(["openai.gpt-4o", "anthropic.claude", "mistral.codestral"]);
    expect(poolMembers({ capability: "chat-completion" }, models, tree)).toEqual(["openai.gpt-4o", "anthropic.claude"]);
    expect(poolMembers({ capability: "understanding" }, models, tree)).toEqual(["openai.gpt-4o", "openai.whisper"]);
    expect(poolMembers({ capability: "evaluation" }, models, tree)).toEqual([]);
  });

  it("puts explicit models first, without duplicates, and uses them alone without a capability", () => {
    expect(poolMembers({ capability: "text-generation", models: ["mistral.codestral", "openai.embed", "mistral.codestral"] }, models, tree)).toEqual([
      "mistral.codestral", "openai.embed", "openai.gpt-4o", "anthropic.claude",
    ]);
    expect(poolMembers({ models: ["openai.whisper", "anthropic.claude"] }, models, tree)).toEqual(["openai.whisper", "anthropic.claude"]);
    expect(poolMembers({}, models, tree)).toEqual([]);
  });

  it("filters by providers and excluded providers, explicit members included", () => {
    expect(poolMembers({ capability: "generation", providers: ["openai", "mistral"] }, models, tree)).toEqual([
      "openai.gpt-4o", "mistral.codestral",
    ]);
    expect(poolMembers({ capability: "generation", excludedProviders: ["openai"], models: ["openai.embed"] }, models, tree)).toEqual([
      "anthropic.claude", "mistral.codestral",
    ]);
    expect(poolMembers({ capability: "generation", providers: [] }, models, tree)).toEqual([]);
  });

  it("accepts a one-shot iterable and reports unknown explicit models and capabilities", () => {
    function* once() {
      yield* models;
    }
    expect(poolMembers({ capability: "speech-to-text", models: ["openai.embed"] }, once(), tree)).toEqual(["openai.embed", "openai.whisper"]);
    const unknown = caught(() => poolMembers({ models: ["nope.model"] }, models, tree));
    // A pool naming an unregistered model is a config failure (docs/errors.md): a ConfigError.
    expect(ConfigError.is(unknown)).toBe(true);
    expect(unknown.code).toBe("MM_CONFIG_INVALID");
    expect(unknown.message).toContain("nope.model");
    expect(caught(() => poolMembers({ capability: "no-such-node" }, models, tree)).code).toBe("MM_CAPABILITY_INVALID");
  });
});
