/** The shipped Gemini catalogue (the package's export list is checked by tests/structure). */
import { describe, expect, it } from "vitest";
import * as root from "../src/index.js";

describe("GEMINI_MODELS", () => {
  it("the catalogue: 1M-context chat models with tools, vision and structured output, no prefill; an embedding model", () => {
    const chat = root.GEMINI_MODELS.filter((model) => model.capabilities.includes("generation.text-generation.chat-completion"));
    expect(chat.map((model) => model.id)).toEqual(["gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.0-flash"]);
    for (const model of chat) {
      expect(model.contextWindow).toBe(1_048_576);
      expect(model.features).toMatchObject({ toolCalling: true, vision: true, structuredOutput: true, assistantPrefill: false });
      expect(model.pricing!.inputPerMillion).toBeGreaterThan(0);
    }
    expect(root.GEMINI_MODELS.find((model) => model.id === "text-embedding-004")!.capabilities).toEqual(["representation.embeddings.text-embeddings"]);
    expect(Object.isFrozen(root.GEMINI_MODELS)).toBe(true);
  });
});
