import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from "@modelmesh/core";
import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCaptureServer, type CaptureServer } from "./support/capture-server.js";
import { chunkFixture, fixture } from "./support/fixtures.js";
import { collect, pair, TEST_KEY, wireView } from "./support/pair.js";
import { reassemble } from "./support/reassemble.js";

/**
 * Paired fidelity for chat completions: each case sends one logical request through the official `openai`
 * SDK (6.49.0) and through `openai.llm.v1`, asserts the two HTTP requests carry the same method, path,
 * meaningful headers and JSON body, and that both clients parse the recorded response identically.
 */

let server: CaptureServer;
beforeAll(async () => {
  server = await startCaptureServer();
});
afterAll(() => server.close());

type SdkParams = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;

/** One non-streamed chat case: same params both ways, the recorded reply, identical request and result. */
async function chatCase(params: Record<string, unknown>, reply: unknown) {
  const result = await pair(
    server,
    { json: reply },
    (sdk) => sdk.chat.completions.create(params as unknown as SdkParams),
    (ours) => ours.complete(params as unknown as ChatCompletionRequest),
  );
  expect(wireView(result.ours)).toEqual(wireView(result.sdk));
  expect(result.sdk.json).toEqual(params);
  expect(result.ours.path).toBe("/v1/chat/completions");
  expect(result.ours.headers.authorization).toBe(`Bearer ${TEST_KEY}`);
  expect(result.ourResult).toEqual(JSON.parse(JSON.stringify(result.sdkResult)));
  return result as { ourResult: ChatCompletion; sdkResult: OpenAI.Chat.ChatCompletion };
}

const WEATHER_TOOL = {
  type: "function",
  function: {
    name: "get_current_weather",
    description: "Get the current weather in a given location",
    parameters: {
      type: "object",
      properties: { location: { type: "string", description: "City and state" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } },
      required: ["location", "unit"],
      additionalProperties: false,
    },
    strict: true,
  },
} as const;

describe("paired chat requests: official SDK vs openai.llm.v1", () => {
  it("1. plain chat", async () => {
    const { ourResult } = await chatCase({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello!" }] }, fixture("openai-chat-text"));
    expect(ourResult.choices[0]!.message.content).toBe("Hello! How can I assist you today?");
    expect(ourResult.usage?.total_tokens).toBe(29);
  });

  it("2. system prompt, multi-turn history and sampling parameters", async () => {
    await chatCase(
      {
        model: "gpt-4o",
        messages: [
          { role: "system", content: "You are a terse assistant." },
          { role: "user", content: "Name a colour." },
          { role: "assistant", content: "Blue." },
          { role: "user", content: [{ type: "text", text: "Another one?" }] },
        ],
        temperature: 0.2,
        top_p: 0.9,
        max_tokens: 64,
        stop: ["\n\n"],
        seed: 42,
        n: 1,
        presence_penalty: 0.1,
        frequency_penalty: 0.2,
        logprobs: true,
        top_logprobs: 2,
        logit_bias: { "50256": -100 },
        user: "user-1234",
      },
      fixture("openai-chat-text"),
    );
  });

  it("3. developer message and reasoning parameters (o4-mini)", async () => {
    await chatCase(
      {
        model: "o4-mini",
        messages: [
          { role: "developer", content: "Answer in one word." },
          { role: "user", content: "Capital of France?" },
        ],
        max_completion_tokens: 2048,
        reasoning_effort: "low",
      },
      fixture("openai-chat-text"),
    );
  });

  it("4. image input (URL and base64 data URL parts with detail)", async () => {
    await chatCase(
      {
        model: "gpt-4o",
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "What is in these images?" },
              { type: "image_url", image_url: { url: "https://upload.wikimedia.org/wikipedia/commons/d/dd/Gfp-wisconsin-madison-the-nature-boardwalk.jpg", detail: "high" } },
              { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", detail: "low" } },
            ],
          },
        ],
      },
      fixture("openai-chat-text"),
    );
  });

  it("5. tools with a named tool_choice; both parse the parallel tool calls alike", async () => {
    const { ourResult } = await chatCase(
      {
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "Weather in Boston and Paris?" }],
        tools: [WEATHER_TOOL],
        tool_choice: { type: "function", function: { name: "get_current_weather" } },
      },
      fixture("openai-chat-tool-calls"),
    );
    const calls = ourResult.choices[0]!.message.tool_calls!;
    expect(ourResult.choices[0]!.finish_reason).toBe("tool_calls");
    expect(calls.map((call) => call.id)).toEqual(["call_abc123", "call_def456"]);
    expect(JSON.parse(calls[1]!.function.arguments)).toEqual({ location: "Paris, France", unit: "celsius" });
  });

  it("6. parallel tool calls off with tool_choice required", async () => {
    await chatCase(
      {
        model: "gpt-4.1",
        messages: [{ role: "user", content: "Weather in Boston?" }],
        tools: [WEATHER_TOOL],
        tool_choice: "required",
        parallel_tool_calls: false,
      },
      fixture("openai-chat-tool-calls"),
    );
  });

  it("7. tool results in the history (assistant tool_calls + tool message)", async () => {
    await chatCase(
      {
        model: "gpt-4o-mini",
        messages: [
          { role: "user", content: "Weather in Boston?" },
          { role: "assistant", content: null, tool_calls: [{ id: "call_abc123", type: "function", function: { name: "get_current_weather", arguments: '{"location":"Boston, MA","unit":"celsius"}' } }] },
          { role: "tool", tool_call_id: "call_abc123", content: '{"temperature": 22}' },
        ],
        tools: [WEATHER_TOOL],
        tool_choice: "auto",
      },
      fixture("openai-chat-text"),
    );
  });

  it("8. response_format json_schema (structured output) and a refusal", async () => {
    const format = {
      type: "json_schema",
      json_schema: {
        name: "math_reasoning",
        strict: true,
        schema: {
          type: "object",
          properties: {
            steps: { type: "array", items: { type: "object", properties: { explanation: { type: "string" }, output: { type: "string" } }, required: ["explanation", "output"], additionalProperties: false } },
            final_answer: { type: "string" },
          },
          required: ["steps", "final_answer"],
          additionalProperties: false,
        },
      },
    };
    const messages = [{ role: "user", content: "Solve 8x + 31 = 2" }];
    const { ourResult } = await chatCase({ model: "gpt-4o", messages, response_format: format }, fixture("openai-chat-structured"));
    expect(JSON.parse(ourResult.choices[0]!.message.content!).final_answer).toBe("x = -6.75");
    const refused = await chatCase({ model: "gpt-4o", messages, response_format: format }, fixture("openai-chat-refusal"));
    expect(refused.ourResult.choices[0]!.message.refusal).toBe("I'm sorry, I cannot assist with that request.");
  });

  it("9. unknown and newer fields pass through untouched", async () => {
    await chatCase(
      {
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "hi" }],
        store: true,
        metadata: { tenant: "acme" },
        service_tier: "flex",
        prediction: { type: "content", content: "hello" },
        modalities: ["text"],
        future_vendor_field: { nested: [1, { deep: true }], empty: null },
      },
      fixture("openai-chat-text"),
    );
  });

  it("10. OpenAI-Organization and OpenAI-Project headers when configured", async () => {
    const options = { organization: "org-fidelity", project: "proj_fidelity" };
    const params = { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] };
    const result = await pair(
      server,
      { json: fixture("openai-chat-text") },
      (sdk) => sdk.chat.completions.create(params as SdkParams),
      (ours) => ours.complete(params as ChatCompletionRequest),
      options,
    );
    expect(wireView(result.ours)).toEqual(wireView(result.sdk));
    expect(result.ours.headers).toMatchObject({ authorization: `Bearer ${TEST_KEY}`, "openai-organization": "org-fidelity", "openai-project": "proj_fidelity" });
  });
});

describe("paired streams: official SDK vs openai.llm.v1", () => {
  it("11. stream with stream_options.include_usage: same request, same chunks, usage chunk kept", async () => {
    const params = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Say hello" }], stream: true, stream_options: { include_usage: true } };
    const result = await pair(
      server,
      { sse: chunkFixture("openai-chat-text") },
      async (sdk) => collect(await sdk.chat.completions.create(params as OpenAI.Chat.ChatCompletionCreateParamsStreaming)),
      (ours) => collect(ours.stream(params as ChatCompletionRequest)),
    );
    expect(wireView(result.ours)).toEqual(wireView(result.sdk));
    expect(result.ourResult).toEqual(JSON.parse(JSON.stringify(result.sdkResult)));
    const whole = reassemble(result.ourResult as ChatCompletionChunk[]);
    expect(whole).toMatchObject({ content: "Hello! How can I help?", finishReason: "stop", usage: { prompt_tokens: 9, completion_tokens: 6, total_tokens: 15 } });
  });

  it("12. streamed tool-call deltas reassemble like the SDK's own stream helper", async () => {
    const params = {
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Weather in Boston and Paris?" }],
      tools: [WEATHER_TOOL],
      stream: true,
      stream_options: { include_usage: true },
    };
    const result = await pair(
      server,
      { sse: chunkFixture("openai-chat-tool-calls") },
      // The SDK's ChatCompletionStream helper accumulates deltas into a final completion.
      (sdk) => sdk.chat.completions.stream(params as unknown as Parameters<OpenAI["chat"]["completions"]["stream"]>[0]).finalChatCompletion(),
      (ours) => collect(ours.stream(params as ChatCompletionRequest)),
    );
    expect(wireView(result.ours)).toEqual(wireView(result.sdk));
    const ours = reassemble(result.ourResult);
    const sdkChoice = result.sdkResult.choices[0]!;
    expect(ours.finishReason).toBe(sdkChoice.finish_reason);
    expect(ours.toolCalls).toEqual(sdkChoice.message.tool_calls!.map((call) => ({ id: call.id, type: call.type, function: { name: (call as OpenAI.Chat.ChatCompletionMessageFunctionToolCall).function.name, arguments: (call as OpenAI.Chat.ChatCompletionMessageFunctionToolCall).function.arguments } })));
    expect(ours.usage).toEqual(result.sdkResult.usage);
    expect(ours.toolCalls.map((call) => JSON.parse(call.function.arguments))).toEqual([{ location: "Boston, MA" }, { location: "Paris, France", unit: "celsius" }]);
  });
});
