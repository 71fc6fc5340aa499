import { describe, expect, it } from "vitest";
import { createAzureOpenAIProvider } from "../src/index.js";

/**
 * Live checks against a real Azure OpenAI deployment: one chat, one stream. They run only when
 * AZURE_OPENAI_API_KEY, AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_DEPLOYMENT (a chat deployment) are set, and
 * otherwise show as skipped. Cost: two calls of a few tokens.
 */
const key = process.env.AZURE_OPENAI_API_KEY;
const endpoint = process.env.AZURE_OPENAI_ENDPOINT;
const deployment = process.env.AZURE_OPENAI_DEPLOYMENT;

describe.skipIf(!key || !endpoint || !deployment)("azure.openai.v1 live", () => {
  const provider = () => createAzureOpenAIProvider({ config: { endpoint, api_key: key, deployments: { chat: deployment } }, instanceId: "azure-live" });

  it("completes a chat", async () => {
    const azure = provider();
    const answer = await azure.complete({ model: "chat", messages: [{ role: "user", content: "Reply with the single word: pong" }], max_tokens: 5 });
    expect(answer.choices[0]!.message.content?.toLowerCase()).toContain("pong");
    await azure.close();
  }, 30_000);

  it("streams a chat with usage", async () => {
    const azure = provider();
    let text = "";
    let usage: number | undefined;
    for await (const chunk of azure.stream({ model: "chat", messages: [{ role: "user", content: "Count: 1 2 3" }], max_tokens: 10 })) {
      text += chunk.choices[0]?.delta?.content ?? "";
      if (chunk.usage) usage = chunk.usage.total_tokens;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(usage).toBeGreaterThan(0);
    await azure.close();
  }, 30_000);
});
