/**
 * Request fidelity: each case sends one logical request twice to a recording server on 127.0.0.1 — once
 * through the official SDK (`cohere-ai`'s `CohereClientV2`, camelCase parameters it serialises itself), once
 * as the equivalent OpenAI-shaped request through our connector — and compares the two HTTP requests field by
 * field: method, path and query, the headers that matter (authorization, content type, `x-client-name`) and the
 * whole JSON body.
 */
import { CohereClientV2 } from "cohere-ai";
import type { ChatCompletionRequest, EmbeddingRequest } from "@modelmesh/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCohereProvider } from "../src/index.js";
import { startRecordingServer, type RecordedRequest, type RecordingServer } from "./support/capture-server.js";
import { fixture, fixtureEvents, toSse } from "./support/fixtures.js";

const KEY = "co-fidelity-0123456789abcdef";
const MODEL = "command-a-03-2025";
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
const WEATHER = { type: "object", properties: { location: { type: "string", description: "The city" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } }, required: ["location"] };
const REPORT = { type: "object", properties: { city: { type: "string" }, temperature_c: { type: "number" } }, required: ["city", "temperature_c"] };

/** One paired case: the OpenAI request for our connector, the equivalent SDK request. */
interface PairedCase {
  name: string;
  openai: Omit<ChatCompletionRequest, "model"> & { model?: string };
  sdk: Record<string, unknown>;
  stream?: boolean;
  config?: Record<string, unknown>;
  client?: Record<string, unknown>;
}

const openaiTool = { type: "function" as const, function: { name: "get_weather", description: "Get the weather in a city", parameters: WEATHER } };
const sdkTool = { type: "function", function: { name: "get_weather", description: "Get the weather in a city", parameters: WEATHER } };
const ask = "What is the weather in Toronto?";

const CASES: PairedCase[] = [
  {
    name: "plain user text",
    openai: { messages: [{ role: "user", content: "Tell me about LLMs" }] },
    sdk: { messages: [{ role: "user", content: "Tell me about LLMs" }] },
  },
  {
    name: "system, developer and a multi-turn conversation",
    openai: {
      messages: [
        { role: "system", content: "You are a terse assistant." },
        { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
        { role: "user", content: "Hello there." },
        { role: "assistant", content: "Hi! How can I help?" },
        { role: "user", content: [{ type: "text", text: "Explain LLMs." }] },
      ],
    },
    sdk: {
      messages: [
        { role: "system", content: "You are a terse assistant." },
        { role: "system", content: [{ type: "text", text: "Answer in French." }] },
        { role: "user", content: "Hello there." },
        { role: "assistant", content: "Hi! How can I help?" },
        { role: "user", content: [{ type: "text", text: "Explain LLMs." }] },
      ],
    },
  },
  {
    name: "sampling parameters: max_tokens, temperature, top_p → p, stop → stop_sequences, seed, penalties",
    openai: { messages: [{ role: "user", content: "Count" }], max_tokens: 64, temperature: 0.4, top_p: 0.8, stop: "5", seed: 42, frequency_penalty: 0.2, presence_penalty: 0.1 },
    sdk: { messages: [{ role: "user", content: "Count" }], maxTokens: 64, temperature: 0.4, p: 0.8, stopSequences: ["5"], seed: 42, frequencyPenalty: 0.2, presencePenalty: 0.1 },
  },
  {
    name: "max_completion_tokens and a stop list",
    openai: { messages: [{ role: "user", content: "Count" }], max_completion_tokens: 32, stop: ["5", "six"] },
    sdk: { messages: [{ role: "user", content: "Count" }], maxTokens: 32, stopSequences: ["5", "six"] },
  },
  {
    name: "tools with tool_choice required",
    openai: { messages: [{ role: "user", content: ask }], tools: [openaiTool], tool_choice: "required" },
    sdk: { messages: [{ role: "user", content: ask }], tools: [sdkTool], toolChoice: "REQUIRED" },
  },
  {
    name: "tools with tool_choice none; auto sends no tool_choice",
    openai: { messages: [{ role: "user", content: ask }], tools: [openaiTool], tool_choice: "none" },
    sdk: { messages: [{ role: "user", content: ask }], tools: [sdkTool], toolChoice: "NONE" },
  },
  {
    name: "a named tool_choice → only that tool, REQUIRED",
    openai: {
      messages: [{ role: "user", content: ask }],
      tools: [openaiTool, { type: "function", function: { name: "get_time", parameters: { type: "object", properties: {} } } }],
      tool_choice: { type: "function", function: { name: "get_weather" } },
    },
    sdk: { messages: [{ role: "user", content: ask }], tools: [sdkTool], toolChoice: "REQUIRED" },
  },
  {
    name: "tool calls and tool results (assistant text → tool_plan)",
    openai: {
      tools: [openaiTool],
      messages: [
        { role: "user", content: ask },
        {
          role: "assistant",
          content: "I will look up the weather in Toronto.",
          tool_calls: [{ id: "get_weather_1byjy32y4hvq", type: "function", function: { name: "get_weather", arguments: '{"location":"Toronto"}' } }],
        },
        { role: "tool", tool_call_id: "get_weather_1byjy32y4hvq", content: '{"temperature":{"toronto":"24°C"}}' },
      ],
    },
    sdk: {
      tools: [sdkTool],
      messages: [
        { role: "user", content: ask },
        {
          role: "assistant",
          toolPlan: "I will look up the weather in Toronto.",
          toolCalls: [{ id: "get_weather_1byjy32y4hvq", type: "function", function: { name: "get_weather", arguments: '{"location":"Toronto"}' } }],
        },
        { role: "tool", toolCallId: "get_weather_1byjy32y4hvq", content: '{"temperature":{"toronto":"24°C"}}' },
      ],
    },
  },
  {
    name: "parallel tool results with text parts",
    openai: {
      tools: [openaiTool],
      messages: [
        { role: "user", content: "Weather in Toronto and Paris?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"location":"Toronto"}' } },
            { id: "call_b", type: "function", function: { name: "get_weather", arguments: '{"location":"Paris"}' } },
          ],
        },
        { role: "tool", tool_call_id: "call_a", content: [{ type: "text", text: "24°C" }] },
        { role: "tool", tool_call_id: "call_b", content: "18°C" },
      ],
    },
    sdk: {
      tools: [sdkTool],
      messages: [
        { role: "user", content: "Weather in Toronto and Paris?" },
        {
          role: "assistant",
          toolCalls: [
            { id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"location":"Toronto"}' } },
            { id: "call_b", type: "function", function: { name: "get_weather", arguments: '{"location":"Paris"}' } },
          ],
        },
        { role: "tool", toolCallId: "call_a", content: [{ type: "text", text: "24°C" }] },
        { role: "tool", toolCallId: "call_b", content: "18°C" },
      ],
    },
  },
  {
    name: "image parts (https and data: URLs)",
    openai: {
      model: "command-a-vision-07-2025",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Describe these images" },
            { type: "image_url", image_url: { url: "https://cohere.com/favicon-32x32.png", detail: "auto" } },
            { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } },
          ],
        },
      ],
    },
    sdk: {
      model: "command-a-vision-07-2025",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Describe these images" },
            { type: "image_url", imageUrl: { url: "https://cohere.com/favicon-32x32.png", detail: "auto" } },
            { type: "image_url", imageUrl: { url: `data:image/png;base64,${PNG}` } },
          ],
        },
      ],
    },
  },
  {
    name: "strict function tools → strict_tools",
    openai: { messages: [{ role: "user", content: ask }], tools: [{ type: "function", function: { ...openaiTool.function, strict: true } }] },
    sdk: { messages: [{ role: "user", content: ask }], tools: [sdkTool], strictTools: true },
  },
  {
    name: "response_format json_object",
    openai: { messages: [{ role: "user", content: "Weather as JSON" }], response_format: { type: "json_object" } },
    sdk: { messages: [{ role: "user", content: "Weather as JSON" }], responseFormat: { type: "json_object" } },
  },
  {
    name: "response_format json_schema → json_object with json_schema",
    openai: { messages: [{ role: "user", content: "Weather as JSON" }], response_format: { type: "json_schema", json_schema: { name: "report", schema: REPORT } } },
    sdk: { messages: [{ role: "user", content: "Weather as JSON" }], responseFormat: { type: "json_object", jsonSchema: REPORT } },
  },
  {
    name: "Cohere-only parameters pass through (k, safety_mode)",
    openai: { messages: [{ role: "user", content: "Hi" }], k: 10, safety_mode: "STRICT" },
    sdk: { messages: [{ role: "user", content: "Hi" }], k: 10, safetyMode: "STRICT" },
  },
  {
    name: "stream: plain",
    stream: true,
    openai: { messages: [{ role: "user", content: "Tell me about LLMs" }], stream: true, stream_options: { include_usage: true } },
    sdk: { messages: [{ role: "user", content: "Tell me about LLMs" }] },
  },
  {
    name: "stream: tools and tool results",
    stream: true,
    openai: {
      stream: true,
      tools: [openaiTool],
      messages: [
        { role: "user", content: ask },
        { role: "assistant", content: null, tool_calls: [{ id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"location":"Toronto"}' } }] },
        { role: "tool", tool_call_id: "call_a", content: "24°C" },
      ],
    },
    sdk: {
      tools: [sdkTool],
      messages: [
        { role: "user", content: ask },
        { role: "assistant", toolCalls: [{ id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"location":"Toronto"}' } }] },
        { role: "tool", toolCallId: "call_a", content: "24°C" },
      ],
    },
  },
  {
    name: "client_name → X-Client-Name",
    config: { client_name: "modelmesh-fidelity" },
    client: { clientName: "modelmesh-fidelity" },
    openai: { messages: [{ role: "user", content: "Hi" }] },
    sdk: { messages: [{ role: "user", content: "Hi" }] },
  },
];

describe("request fidelity: cohere-ai CohereClientV2 vs cohere.chat.v2 (recording server)", () => {
  let server: RecordingServer;
  const answer = (request: RecordedRequest) => {
    if (request.path.startsWith("/v2/embed")) return { json: fixture("cohere-embed") };
    if (request.path.startsWith("/v1/models")) return { json: fixture("cohere-models") };
    return request.body?.stream ? { sse: toSse(fixtureEvents("cohere-text")) } : { json: fixture("cohere-text") };
  };

  beforeAll(async () => {
    server = await startRecordingServer(answer);
  });
  afterAll(() => server.close());

  const sdkClient = (extra: Record<string, unknown> = {}) => new CohereClientV2({ token: KEY, baseUrl: server.url, maxRetries: 0, ...extra });

  async function viaSdk(testCase: PairedCase): Promise<RecordedRequest> {
    server.clear();
    const client = sdkClient(testCase.client);
    const params = { model: MODEL, ...testCase.sdk } as Parameters<typeof client.chat>[0];
    if (testCase.stream) for await (const _event of await client.chatStream(params)) void _event;
    else await client.chat(params);
    expect(server.requests).toHaveLength(1);
    return server.requests[0]!;
  }

  async function viaConnector(testCase: PairedCase): Promise<RecordedRequest> {
    server.clear();
    const provider = createCohereProvider({ base_url: server.url, api_key: KEY, ...testCase.config });
    const request = { model: MODEL, ...testCase.openai } as ChatCompletionRequest;
    try {
      if (testCase.stream) for await (const _chunk of provider.stream(request)) void _chunk;
      else await provider.complete(request);
    } finally {
      await provider.close();
    }
    expect(server.requests).toHaveLength(1);
    return server.requests[0]!;
  }

  function expectSameRequest(sdk: RecordedRequest, ours: RecordedRequest): void {
    expect(ours.method).toBe(sdk.method);
    expect(ours.path).toBe(sdk.path);
    expect(ours.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(ours.headers.authorization).toBe(sdk.headers.authorization);
    expect(ours.headers["content-type"]).toBe(sdk.headers["content-type"]);
    expect(ours.headers["x-client-name"]).toBe(sdk.headers["x-client-name"]);
    expect(ours.body).toEqual(sdk.body);
  }

  for (const testCase of CASES) {
    it(testCase.name, async () => {
      const sdk = await viaSdk(testCase);
      const ours = await viaConnector(testCase);
      expectSameRequest(sdk, ours);
      expect(ours.path).toBe("/v2/chat");
      expect(ours.body.stream).toBe(testCase.stream === true);
    });
  }

  it("embed: texts, input_type, embedding_types and output_dimension match client.embed()", async () => {
    server.clear();
    await sdkClient().embed({ model: "embed-v4.0", texts: ["hello", "goodbye"], inputType: "search_query", embeddingTypes: ["float"], outputDimension: 512 });
    const sdk = server.requests[0]!;
    server.clear();
    const provider = createCohereProvider({ base_url: server.url, api_key: KEY });
    await provider.embed({ model: "embed-v4.0", input: ["hello", "goodbye"], dimensions: 512, input_type: "search_query" } as EmbeddingRequest);
    await provider.close();
    const ours = server.requests[0]!;
    expectSameRequest(sdk, ours);
    expect(ours.path).toBe("/v2/embed");
  });

  it("embed: the config's default_input_type and embed_truncate are sent as the SDK sends them", async () => {
    server.clear();
    await sdkClient().embed({ model: "embed-english-v3.0", texts: ["one", "two"], inputType: "classification", embeddingTypes: ["float"], truncate: "START" });
    const sdk = server.requests[0]!;
    server.clear();
    const provider = createCohereProvider({ base_url: server.url, api_key: KEY, default_input_type: "classification", embed_truncate: "START" });
    await provider.embed({ model: "embed-english-v3.0", input: ["one", "two"] });
    await provider.close();
    expectSameRequest(sdk, server.requests[0]!);
  });

  it("GET /v1/models: discoverModels() sends what client.models.list({pageSize: 1000}) sends", async () => {
    server.clear();
    await sdkClient().models.list({ pageSize: 1000 });
    const sdk = server.requests[0]!;
    server.clear();
    const provider = createCohereProvider({ base_url: server.url, api_key: KEY });
    await provider.discoverModels();
    await provider.close();
    const ours = server.requests[0]!;
    expect(ours.method).toBe("GET");
    expect(ours.path).toBe(sdk.path);
    expect(ours.headers.authorization).toBe(sdk.headers.authorization);
    expect(ours.body).toBeUndefined();
  });
});
