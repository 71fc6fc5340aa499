/** The runtime exports of the package root are the reviewed public surface (STYLE c.4). */
import { describe, expect, it } from "vitest";
import * as root from "../src/index.js";

describe("public surface", () => {
  it("exports exactly the reviewed runtime names", () => {
    expect(Object.keys(root).sort()).toEqual([
      "GEMINI_API_VERSION",
      "GEMINI_BASE_URL",
      "GEMINI_CHAT_CAPABILITIES",
      "GEMINI_CHAT_FEATURES",
      "GEMINI_MODELS",
      "GeminiProvider",
      "GeminiStreamMapper",
      "VERSION",
      "classifyGoogleError",
      "connector",
      "convertFromGeminiResponse",
      "convertGeminiUsage",
      "convertToGeminiRequest",
      "convertToGeminiSchema",
      "createGeminiProvider",
      "geminiProviderConfigSchema",
      "mapGeminiFinishReason",
      "parseGoogleError",
    ]);
  });

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
