import { describe, expect, it } from "vitest";
import { baseModelId, BEDROCK_EMBEDDING_MODELS, BEDROCK_MODELS, findCatalogueModel, withCatalogueDefaults } from "./bedrock-models.js";

describe("bedrock model catalogue", () => {
  it("lists the brief's models once each, with prices and context windows", () => {
    const ids = BEDROCK_MODELS.map((model) => model.id);
    for (const id of ["anthropic.claude-3-5-haiku-20241022-v1:0", "us.anthropic.claude-3-7-sonnet-20250219-v1:0", "amazon.nova-pro-v1:0", "meta.llama3-3-70b-instruct-v1:0", "mistral.mistral-large-2407-v1:0"]) expect(ids).toContain(id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const model of BEDROCK_MODELS) {
      expect(model.contextWindow).toBeGreaterThan(0);
      expect(model.pricing!.inputPerMillion).toBeGreaterThan(0);
      expect(model.capabilities).toContain("generation.text-generation.chat-completion");
    }
  });

  it("inference profile ids find the model they route to", () => {
    expect(baseModelId("us.anthropic.claude-3-7-sonnet-20250219-v1:0")).toBe("anthropic.claude-3-7-sonnet-20250219-v1:0");
    expect(baseModelId("global.amazon.nova-pro-v1:0")).toBe("amazon.nova-pro-v1:0");
    expect(findCatalogueModel("eu.anthropic.claude-3-7-sonnet-20250219-v1:0")?.id).toBe("us.anthropic.claude-3-7-sonnet-20250219-v1:0");
    expect(findCatalogueModel("anthropic.claude-3-5-haiku-20241022-v1:0")?.name).toBe("Claude 3.5 Haiku");
    expect(findCatalogueModel("unknown.model-v1:0")).toBeUndefined();
  });

  it("configured fields win over the catalogue; JSON-mode capabilities only where a forced tool works", () => {
    const [nova, llama] = withCatalogueDefaults([
      { id: "amazon.nova-pro-v1:0", capabilities: [], contextWindow: 1000 },
      { id: "meta.llama3-3-70b-instruct-v1:0", capabilities: [] },
    ]);
    expect(nova).toMatchObject({ id: "amazon.nova-pro-v1:0", contextWindow: 1000, features: { jsonMode: true } });
    expect(nova!.capabilities).toContain("generation.structured-generation.json-generation");
    expect(llama!.capabilities).not.toContain("generation.structured-generation.json-generation");
    expect(withCatalogueDefaults(undefined)).toHaveLength(BEDROCK_MODELS.length + BEDROCK_EMBEDDING_MODELS.length);
    expect(withCatalogueDefaults([{ id: "amazon.titan-embed-text-v2:0", capabilities: [] }])[0]!.capabilities).toEqual(["representation.embeddings.text-embeddings"]);
  });
});
