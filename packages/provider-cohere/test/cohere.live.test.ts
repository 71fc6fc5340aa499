/**
 * Live checks against api.cohere.com: one chat, one stream and one embedding with cheap catalogue models.
 * Skipped (reported as skipped) unless CO_API_KEY is set; never part of the default run's pass/fail.
 */
import type { ChatCompletionChunk } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { createCohereProvider } from "../src/index.js";

const KEY = process.env.CO_API_KEY;
const MODEL = process.env.COHERE_LIVE_MODEL ?? "command-r7b-12-2024";
const TIMEOUTS = { connectMs: 15_000, firstTokenMs: 30_000, idleMs: 30_000 };

describe.skipIf(!KEY)("cohere.chat.v2 live (api.cohere.com)", () => {
  it("chat: a short answer with usage", async () => {
    const cohere = createCohereProvider({ api_key: KEY });
    try {
      const completion = await cohere.complete({ model: MODEL, max_tokens: 32, messages: [{ role: "system", content: "Answer with one word." }, { role: "user", content: "Say hello." }] }, { timeouts: TIMEOUTS });
      expect(completion.choices[0]!.message.content).toMatch(/\w/);
      expect(completion.choices[0]!.finish_reason).toMatch(/stop|length/);
      expect(completion.usage!.prompt_tokens).toBeGreaterThan(0);
    } finally {
      await cohere.close();
    }
  }, 60_000);

  it("stream: content deltas, one finish reason, a final usage chunk", async () => {
    const cohere = createCohereProvider({ api_key: KEY });
    try {
      const chunks: ChatCompletionChunk[] = [];
      for await (const chunk of cohere.stream({ model: MODEL, max_tokens: 32, messages: [{ role: "user", content: "Count from 1 to 5." }] }, { timeouts: TIMEOUTS })) chunks.push(chunk);
      expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toMatch(/1/);
      expect(chunks.flatMap((chunk) => chunk.choices).filter((choice) => choice.finish_reason != null)).toHaveLength(1);
      expect(chunks.at(-1)!.usage!.completion_tokens).toBeGreaterThan(0);
    } finally {
      await cohere.close();
    }
  }, 60_000);

  it("embed: one vector per text", async () => {
    const cohere = createCohereProvider({ api_key: KEY });
    try {
      const response = await cohere.embed({ model: "embed-english-v3.0", input: ["hello", "world"] }, { timeouts: TIMEOUTS });
      expect(response.data).toHaveLength(2);
      expect(response.data[0]!.embedding.length).toBe(1024);
    } finally {
      await cohere.close();
    }
  }, 60_000);
});
