import { describe, expect, it } from "vitest";
import type { ChatCompletionsCreate } from "@modelmesh/core";
import { ModelMeshChatLanguageModel } from "./modelmesh-chat-language-model.js";

function fakeClient(completion: unknown) {
  const calls: Array<{ body: Record<string, unknown>; options: unknown }> = [];
  const create = (async (body: Record<string, unknown>, options: unknown) => {
    calls.push({ body, options });
    return completion;
  }) as unknown as ChatCompletionsCreate;
  return { client: { chat: { completions: { create } } }, calls };
}

const prompt = [{ role: "user" as const, content: [{ type: "text" as const, text: "hi" }] }];

describe("ModelMeshChatLanguageModel.doGenerate", () => {
  it("maps text and tool calls (empty arguments as {}), finish reason, usage, response metadata; sends stream: false", async () => {
    const completion = {
      id: "cmpl-9",
      object: "chat.completion",
      created: 1_700_000_000,
      model: "vendor-model-2",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: "Let me check.", refusal: null, tool_calls: [{ id: "c1", type: "function", function: { name: "now", arguments: "" } }] },
          finish_reason: "tool_calls",
          logprobs: null,
        },
      ],
      usage: { prompt_tokens: 4, completion_tokens: 6, total_tokens: 10 },
    };
    const { client, calls } = fakeClient(completion);
    const model = new ModelMeshChatLanguageModel("chat", { provider: "modelmesh.chat", client, supportedUrls: {} });
    const result = await model.doGenerate({ prompt });
    expect(calls[0]!.body).toEqual({ model: "chat", messages: [{ role: "user", content: "hi" }], stream: false });
    expect(result.content).toEqual([
      { type: "text", text: "Let me check." },
      { type: "tool-call", toolCallId: "c1", toolName: "now", input: "{}" },
    ]);
    expect(result.finishReason).toEqual({ unified: "tool-calls", raw: "tool_calls" });
    expect(result.usage.outputTokens.total).toBe(6);
    expect(result.response).toMatchObject({ id: "cmpl-9", modelId: "vendor-model-2", timestamp: new Date(1_700_000_000_000) });
    expect(result.providerMetadata).toBeUndefined();
    expect(result.warnings).toEqual([]);
  });

  it("a refusal is in providerMetadata.modelmesh.refusal", async () => {
    const { client } = fakeClient({
      id: "x",
      object: "chat.completion",
      created: 0,
      model: "m",
      choices: [{ index: 0, message: { role: "assistant", content: null, refusal: "No." }, finish_reason: "stop", logprobs: null }],
    });
    const result = await new ModelMeshChatLanguageModel("chat", { provider: "modelmesh.chat", client, supportedUrls: {} }).doGenerate({ prompt });
    expect(result.content).toEqual([]);
    expect(result.providerMetadata).toEqual({ modelmesh: { refusal: "No." } });
    expect(result.usage.inputTokens.total).toBeUndefined();
  });
});
