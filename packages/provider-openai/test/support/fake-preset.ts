import type { OpenAICompatiblePreset } from "../../src/index.js";

/** A vendor that does not exist: one data entry, no code. Tests route through it to prove that is enough. */
export const fakePreset: OpenAICompatiblePreset = {
  id: "acme.api.v1",
  aliases: ["acme"],
  name: "Acme AI",
  baseUrl: "https://api.acme.invalid/v1",
  envVar: "ACME_API_KEY",
  quirks: { supportsParallelToolCalls: false },
  models: [
    {
      id: "acme-chat-1",
      capabilities: ["generation.text-generation.chat-completion"],
      contextWindow: 32_768,
      pricing: { inputPerMillion: 1, outputPerMillion: 2 },
      features: { toolCalling: true, parallelToolCalls: false, assistantPrefill: false },
    },
  ],
};
