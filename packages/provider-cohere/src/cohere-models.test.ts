import { describe, expect, it } from "vitest";
import { COHERE_MODELS, mergeModelList, withCatalogueDefaults } from "./cohere-models.js";

describe("cohere model catalogue", () => {
  it("lists the current chat and embed models with published sizes and prices", () => {
    const byId = new Map(COHERE_MODELS.map((model) => [model.id, model]));
    for (const id of ["command-a-03-2025", "command-r-plus-08-2024", "command-r-08-2024", "command-r7b-12-2024", "embed-v4.0", "embed-english-v3.0", "embed-multilingual-v3.0"]) expect(byId.has(id)).toBe(true);
    expect(byId.get("command-a-03-2025")).toMatchObject({ contextWindow: 256_000, maxOutputTokens: 8_000, pricing: { inputPerMillion: 2.5, outputPerMillion: 10 } });
    expect(byId.get("command-r7b-12-2024")).toMatchObject({ contextWindow: 128_000, pricing: { inputPerMillion: 0.0375, outputPerMillion: 0.15 } });
    expect(byId.get("embed-v4.0")).toMatchObject({ capabilities: ["representation.embeddings.text-embeddings"], pricing: { inputPerMillion: 0.12 } });
    expect(byId.get("embed-english-v3.0")!.contextWindow).toBe(512);
    for (const model of COHERE_MODELS) if (model.capabilities.includes("generation.text-generation.chat-completion")) expect(model.features?.assistantPrefill).toBe(false);
  });

  it("configured models take the catalogue's values they do not set", () => {
    const [model] = withCatalogueDefaults([{ id: "command-r-08-2024", capabilities: [], maxOutputTokens: 1_000 }]);
    expect(model).toMatchObject({ id: "command-r-08-2024", maxOutputTokens: 1_000, contextWindow: 128_000, pricing: { inputPerMillion: 0.15 } });
    expect(model!.capabilities).toContain("interaction.tool-calling");
  });

  it("discovery adds chat and embed models, skips other endpoints, keeps the catalogue", () => {
    const merged = mergeModelList(
      [
        { name: "command-x", endpoints: ["chat"], context_length: 64_000, features: ["tools", "vision"] },
        { name: "embed-x", endpoints: ["embed"], context_length: 512 },
        { name: "rerank-x", endpoints: ["rerank"] },
      ],
      COHERE_MODELS,
    );
    const ids = merged.map((model) => model.id);
    expect(ids).toEqual(expect.arrayContaining(["command-x", "embed-x", ...COHERE_MODELS.map((model) => model.id)]));
    expect(ids).not.toContain("rerank-x");
    expect(merged.find((model) => model.id === "command-x")).toMatchObject({ contextWindow: 64_000, features: { vision: true } });
  });
});
