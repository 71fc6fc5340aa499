import { describe, expect, it } from "vitest";
import { createOpenAIProvider } from "../src/index.js";

/**
 * Live checks against the real OpenAI API: one chat, one stream. They run only when OPENAI_API_KEY is set
 * (never in CI by default) and otherwise show as skipped. Cost: two gpt-4o-mini calls of a few tokens.
 */
const key = process.env.OPENAI_API_KEY;

describe.skipIf(!key)("openai.llm.v1 live", () => {
  const provider = () => createOpenAIProvider({ config: { api_key: key! }, instanceId: "openai-live" });

  it("completes a chat", async () => {
    const openai = provider();
    const answer = await openai.complete({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Reply with the single word: pong" }], max_tokens: 5 });
    expect(answer.choices[0]!.message.content?.toLowerCase()).toContain("pong");
    expect(answer.usage?.total_tokens).toBeGreaterThan(0);
    await openai.close();
  }, 30_000);

  it("streams a chat with usage", async () => {
    const openai = provider();
    let text = "";
    let usage: number | undefined;
    for await (const chunk of openai.stream({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Count: 1 2 3" }], max_tokens: 10 })) {
      text += chunk.choices[0]?.delta?.content ?? "";
      if (chunk.usage) usage = chunk.usage.total_tokens;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(usage).toBeGreaterThan(0);
    await openai.close();
  }, 30_000);
});
