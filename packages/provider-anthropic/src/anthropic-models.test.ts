import { describe, expect, it } from "vitest";
import { ANTHROPIC_MODELS, findCatalogueModel, mergeModelList, modelFamily, withCatalogueDefaults } from "./anthropic-models.js";

describe("the default catalogue", () => {
  it("lists the five models with 200k context, tools, vision, prefill and per-1M pricing", () => {
    expect(ANTHROPIC_MODELS.map((model) => model.id)).toEqual(["claude-opus-4-1", "claude-sonnet-4-5", "claude-sonnet-4-0", "claude-haiku-4-5", "claude-3-5-haiku-latest"]);
    for (const model of ANTHROPIC_MODELS) {
      expect(model.contextWindow).toBe(200_000);
      expect(model.features).toMatchObject({ toolCalling: true, vision: true, assistantPrefill: true, structuredOutput: true });
      expect(model.pricing!.outputPerMillion).toBeGreaterThan(model.pricing!.inputPerMillion);
      expect(model.capabilities).toContain("generation.text-generation.chat-completion");
    }
    expect(findCatalogueModel("claude-opus-4-1")!.pricing).toEqual({ inputPerMillion: 15, outputPerMillion: 75 });
  });

  it("dated snapshots and aliases find their entry", () => {
    expect(modelFamily("claude-sonnet-4-20250514")).toBe("claude-sonnet-4");
    expect(findCatalogueModel("claude-sonnet-4-20250514")!.id).toBe("claude-sonnet-4-0");
    expect(findCatalogueModel("claude-3-5-haiku-20241022")!.id).toBe("claude-3-5-haiku-latest");
    expect(findCatalogueModel("claude-sonnet-4-5-20250929")!.maxOutputTokens).toBe(64_000);
    expect(findCatalogueModel("claude-unknown")).toBeUndefined();
  });
});

describe("withCatalogueDefaults", () => {
  it("completes configured catalogue models and keeps unknown ones as configured", () => {
    const models = withCatalogueDefaults([
      { id: "claude-haiku-4-5-20251001", capabilities: [], contextWindow: 100_000, features: { vision: false } },
      { id: "my-proxy-model", capabilities: ["generation.text-generation.chat-completion"] },
    ]);
    expect(models[0]).toMatchObject({ id: "claude-haiku-4-5-20251001", contextWindow: 100_000, maxOutputTokens: 64_000, features: { vision: false, assistantPrefill: true } });
    expect(models[0]!.capabilities.length).toBeGreaterThan(1);
    expect(models[1]).toEqual({ id: "my-proxy-model", capabilities: ["generation.text-generation.chat-completion"] });
  });

  it("returns copies: callers cannot mutate the frozen catalogue", () => {
    const [first] = withCatalogueDefaults(undefined);
    first!.capabilities.push("x");
    expect(ANTHROPIC_MODELS[0]!.capabilities).not.toContain("x");
  });
});

describe("mergeModelList", () => {
  it("listed models take their catalogue entry; unknown ones what the API reports, without prefill; aliases stay", () => {
    const merged = mergeModelList(
      [
        { type: "model", id: "claude-sonnet-4-5-20250929", display_name: "Claude Sonnet 4.5" },
        { type: "model", id: "claude-next", display_name: "Claude Next", max_input_tokens: 1_000_000, max_tokens: 128_000, capabilities: { image_input: { supported: false } } },
      ],
      ANTHROPIC_MODELS,
    );
    expect(merged.find((m) => m.id === "claude-sonnet-4-5-20250929")).toMatchObject({ pricing: { inputPerMillion: 3 }, features: { assistantPrefill: true } });
    const next = merged.find((m) => m.id === "claude-next")!;
    expect(next).toMatchObject({ name: "Claude Next", contextWindow: 1_000_000, maxOutputTokens: 128_000, features: { vision: false } });
    expect(next.features!.assistantPrefill).toBeUndefined();
    expect(next.capabilities.some((path) => path.startsWith("understanding.vision"))).toBe(false);
    expect(merged.map((m) => m.id)).toContain("claude-opus-4-1");
  });
});
