/**
 * Live checks against api.anthropic.com: one chat and one stream with the cheapest catalogue model. Skipped
 * (reported as skipped) unless ANTHROPIC_API_KEY is set; never part of the default run's pass/fail.
 */
import type { ChatCompletionChunk } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { createAnthropicProvider } from "../src/index.js";

const KEY = process.env.ANTHROPIC_API_KEY;
const MODEL = process.env.ANTHROPIC_LIVE_MODEL ?? "claude-haiku-4-5";
const TIMEOUTS = { connectMs: 15_000, firstTokenMs: 30_000, idleMs: 30_000 };

describe.skipIf(!KEY)("anthropic.claude.v1 live (api.anthropic.com)", () => {
  it("chat: a short answer with usage", async () => {
    const claude = createAnthropicProvider({ api_key: KEY });
    try {
      let limitRequests: number | undefined;
      const completion = await claude.complete(
        { model: MODEL, max_tokens: 32, messages: [{ role: "system", content: "Answer with one word." }, { role: "user", content: "Say hello." }] },
        { timeouts: TIMEOUTS, onResponse: (meta) => (limitRequests = meta.rateLimit?.limitRequests) },
      );
      expect(completion.choices[0]!.message.content).toMatch(/\w/);
      expect(completion.choices[0]!.finish_reason).toMatch(/stop|length/);
      expect(completion.usage!.prompt_tokens).toBeGreaterThan(0);
      expect(limitRequests).toBeGreaterThan(0);
    } finally {
      await claude.close();
    }
  }, 60_000);

  it("stream: content deltas, one finish reason, a final usage chunk", async () => {
    const claude = createAnthropicProvider({ api_key: KEY });
    try {
      const chunks: ChatCompletionChunk[] = [];
      for await (const chunk of claude.stream({ model: MODEL, max_tokens: 32, messages: [{ role: "user", content: "Count from 1 to 5." }] }, { timeouts: TIMEOUTS })) chunks.push(chunk);
      expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toMatch(/1/);
      expect(chunks.flatMap((chunk) => chunk.choices).filter((choice) => choice.finish_reason != null)).toHaveLength(1);
      expect(chunks.at(-1)!.usage!.completion_tokens).toBeGreaterThan(0);
    } finally {
      await claude.close();
    }
  }, 60_000);
});
