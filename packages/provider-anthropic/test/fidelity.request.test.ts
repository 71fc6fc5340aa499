/**
 * Request fidelity: each case sends one logical request twice to a capture server on 127.0.0.1 — once as an
 * Anthropic request through the official SDK (`@anthropic-ai/sdk`), once as the equivalent OpenAI-shaped
 * request through our connector — and asserts that both HTTP requests carry the same content: method, path,
 * the headers that matter (auth header name and value, version and beta headers, content type) and the
 * whole JSON body (model, system, messages, tools, tool choice, parameters).
 *
 * Auth and version headers: SDK 1.14.0 pins `anthropic-version: 2026-10-21` and sends the API key as
 * `Authorization: Bearer <key>` (its types target that API version, which also dropped `temperature` and
 * `top_p`). The connector implements API version `2023-06-01` by default, where the key goes in `x-api-key`.
 * So by default the cases require the same key in the SDK's bearer token and our `x-api-key`, and a dated
 * version header on both; the last cases set `auth_scheme: bearer` and pin the SDK's version, and then
 * require identical headers. Parameters the SDK 1.14 types no longer declare are passed through the SDK
 * with a cast: it serialises the body verbatim.
 */
import Anthropic from "@anthropic-ai/sdk";
import type { ChatCompletionRequest } from "@modelmesh/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANTHROPIC_VERSION, createAnthropicProvider } from "../src/index.js";
import { startCaptureServer, type CaptureServer, type CapturedRequest } from "./support/capture-server.js";
import { fixture, fixtureEvents, toSse } from "./support/fixtures.js";

const KEY = "sk-ant-api03-fidelity-0123456789abcdef";
const MODEL = "claude-haiku-4-5";
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
const PDF = "JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBSPj4Kc3RyZWFtCnN0cmVhbQplbmRzdHJlYW0KZW5kb2JqCg==";
const WEATHER = {
  type: "object",
  properties: { location: { type: "string", description: "City and state, e.g. San Francisco, CA" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } },
  required: ["location"],
};
const REPORT = { type: "object", properties: { city: { type: "string" }, temperature_c: { type: "number" } }, required: ["city", "temperature_c"], additionalProperties: false };

type SdkParams = Anthropic.MessageCreateParams;

/** One paired case: the OpenAI request for our connector, the equivalent Anthropic request for the SDK. */
interface PairedCase {
  name: string;
  openai: Omit<ChatCompletionRequest, "model"> & { model?: string };
  anthropic: Record<string, unknown>;
  /** Extra snake_case connector config. */
  config?: Record<string, unknown>;
  /** Extra SDK client options. */
  client?: Partial<ConstructorParameters<typeof Anthropic>[0]>;
  /** Per-request SDK options. */
  request?: Anthropic.RequestOptions;
  stream?: boolean;
}

const tools = [{ type: "function" as const, function: { name: "get_weather", description: "Get the current weather in a given location", parameters: WEATHER } }];
const anthropicTools = [{ name: "get_weather", description: "Get the current weather in a given location", input_schema: WEATHER }];
const ask = [{ role: "user" as const, content: "What is the weather like in San Francisco?" }];

const CASES: PairedCase[] = [
  {
    name: "plain user text",
    openai: { max_tokens: 256, messages: [{ role: "user", content: "Hello, Claude" }] },
    anthropic: { max_tokens: 256, messages: [{ role: "user", content: "Hello, Claude" }] },
  },
  {
    name: "system message → top-level system string",
    openai: { max_tokens: 256, messages: [{ role: "system", content: "You are a terse assistant." }, { role: "user", content: "Hi" }] },
    anthropic: { max_tokens: 256, system: "You are a terse assistant.", messages: [{ role: "user", content: "Hi" }] },
  },
  {
    name: "system + developer messages → system text blocks, in order",
    openai: {
      max_tokens: 256,
      messages: [
        { role: "system", content: "You are a terse assistant." },
        { role: "user", content: "Hi" },
        { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
      ],
    },
    anthropic: {
      max_tokens: 256,
      system: [{ type: "text", text: "You are a terse assistant." }, { type: "text", text: "Answer in French." }],
      messages: [{ role: "user", content: "Hi" }],
    },
  },
  {
    name: "multi-turn conversation",
    openai: {
      max_tokens: 512,
      messages: [
        { role: "user", content: "Hello there." },
        { role: "assistant", content: "Hi, I'm Claude. How can I help you?" },
        { role: "user", content: "Can you explain LLMs in plain English?" },
      ],
    },
    anthropic: {
      max_tokens: 512,
      messages: [
        { role: "user", content: "Hello there." },
        { role: "assistant", content: "Hi, I'm Claude. How can I help you?" },
        { role: "user", content: "Can you explain LLMs in plain English?" },
      ],
    },
  },
  {
    name: "consecutive same-role turns are merged",
    openai: {
      max_tokens: 256,
      messages: [
        { role: "user", content: "First question." },
        { role: "user", content: [{ type: "text", text: "Second question." }] },
        { role: "assistant", content: "First answer." },
        { role: "assistant", content: "Second answer." },
        { role: "user", content: "Thanks." },
      ],
    },
    anthropic: {
      max_tokens: 256,
      messages: [
        { role: "user", content: [{ type: "text", text: "First question." }, { type: "text", text: "Second question." }] },
        { role: "assistant", content: [{ type: "text", text: "First answer." }, { type: "text", text: "Second answer." }] },
        { role: "user", content: "Thanks." },
      ],
    },
  },
  {
    name: "image data: URL → base64 image source",
    openai: {
      max_tokens: 256,
      messages: [{ role: "user", content: [{ type: "text", text: "Describe this image." }, { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}`, detail: "high" } }] }],
    },
    anthropic: {
      max_tokens: 256,
      messages: [{ role: "user", content: [{ type: "text", text: "Describe this image." }, { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } }] }],
    },
  },
  {
    name: "image https URL → url image source",
    openai: {
      max_tokens: 256,
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg" } }, { type: "text", text: "What is this?" }] }],
    },
    anthropic: {
      max_tokens: 256,
      messages: [{ role: "user", content: [{ type: "image", source: { type: "url", url: "https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg" } }, { type: "text", text: "What is this?" }] }],
    },
  },
  {
    name: "PDF file part → base64 document block",
    openai: {
      max_tokens: 256,
      messages: [{ role: "user", content: [{ type: "file", file: { file_data: `data:application/pdf;base64,${PDF}`, filename: "report.pdf" } }, { type: "text", text: "Summarise." }] }],
    },
    anthropic: {
      max_tokens: 256,
      messages: [{ role: "user", content: [{ type: "document", source: { type: "base64", media_type: "application/pdf", data: PDF }, title: "report.pdf" }, { type: "text", text: "Summarise." }] }],
    },
  },
  {
    name: "tools → input_schema, tool_choice auto",
    openai: { max_tokens: 1024, messages: ask, tools, tool_choice: "auto" },
    anthropic: { max_tokens: 1024, messages: ask, tools: anthropicTools, tool_choice: { type: "auto" } },
  },
  {
    name: "tool_choice required → any",
    openai: { max_tokens: 1024, messages: ask, tools, tool_choice: "required" },
    anthropic: { max_tokens: 1024, messages: ask, tools: anthropicTools, tool_choice: { type: "any" } },
  },
  {
    name: "tool_choice {function} → {type: tool, name}",
    openai: { max_tokens: 1024, messages: ask, tools, tool_choice: { type: "function", function: { name: "get_weather" } } },
    anthropic: { max_tokens: 1024, messages: ask, tools: anthropicTools, tool_choice: { type: "tool", name: "get_weather" } },
  },
  {
    name: "tool_choice none → {type: none}",
    openai: { max_tokens: 1024, messages: ask, tools, tool_choice: "none" },
    anthropic: { max_tokens: 1024, messages: ask, tools: anthropicTools, tool_choice: { type: "none" } },
  },
  {
    name: "parallel_tool_calls: false → disable_parallel_tool_use",
    openai: { max_tokens: 1024, messages: ask, tools, parallel_tool_calls: false },
    anthropic: { max_tokens: 1024, messages: ask, tools: anthropicTools, tool_choice: { type: "auto", disable_parallel_tool_use: true } },
  },
  {
    name: "assistant tool_calls and tool results → tool_use and tool_result blocks in a user turn",
    openai: {
      max_tokens: 1024,
      tools,
      messages: [
        { role: "user", content: "Weather in San Francisco and New York?" },
        {
          role: "assistant",
          content: "I'll check both.",
          tool_calls: [
            { id: "toolu_01A09q90qw90lq917835lq9", type: "function", function: { name: "get_weather", arguments: '{"location":"San Francisco, CA"}' } },
            { id: "toolu_01B19q90qw90lq917835lq8", type: "function", function: { name: "get_weather", arguments: '{"location":"New York, NY","unit":"celsius"}' } },
          ],
        },
        { role: "tool", tool_call_id: "toolu_01A09q90qw90lq917835lq9", content: "15 degrees" },
        { role: "tool", tool_call_id: "toolu_01B19q90qw90lq917835lq8", content: [{ type: "text", text: "4 degrees" }] },
        { role: "user", content: "Which is warmer?" },
      ],
    },
    anthropic: {
      max_tokens: 1024,
      tools: anthropicTools,
      messages: [
        { role: "user", content: "Weather in San Francisco and New York?" },
        {
          role: "assistant",
          content: [
            { type: "text", text: "I'll check both." },
            { type: "tool_use", id: "toolu_01A09q90qw90lq917835lq9", name: "get_weather", input: { location: "San Francisco, CA" } },
            { type: "tool_use", id: "toolu_01B19q90qw90lq917835lq8", name: "get_weather", input: { location: "New York, NY", unit: "celsius" } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_01A09q90qw90lq917835lq9", content: "15 degrees" },
            { type: "tool_result", tool_use_id: "toolu_01B19q90qw90lq917835lq8", content: [{ type: "text", text: "4 degrees" }] },
            { type: "text", text: "Which is warmer?" },
          ],
        },
      ],
    },
  },
  {
    name: "temperature, top_p and stop → temperature, top_p, stop_sequences",
    openai: { max_tokens: 300, temperature: 0.4, top_p: 0.9, stop: ["\n\nHuman:", "END"], messages: [{ role: "user", content: "Count to ten." }] },
    anthropic: { max_tokens: 300, temperature: 0.4, top_p: 0.9, stop_sequences: ["\n\nHuman:", "END"], messages: [{ role: "user", content: "Count to ten." }] },
  },
  {
    name: "user → metadata.user_id, single stop string → stop_sequences",
    openai: { max_tokens: 64, user: "5c7c7b4e-2d0f-4b8e-9f7e-0a1b2c3d4e5f", stop: "###", messages: [{ role: "user", content: "Hi" }] },
    anthropic: { max_tokens: 64, metadata: { user_id: "5c7c7b4e-2d0f-4b8e-9f7e-0a1b2c3d4e5f" }, stop_sequences: ["###"], messages: [{ role: "user", content: "Hi" }] },
  },
  {
    name: "assistant prefill is the last turn, trailing whitespace trimmed",
    openai: {
      max_tokens: 16,
      messages: [
        { role: "user", content: "What's the Greek name for Sun? (A) Sol (B) Helios (C) Sun" },
        { role: "assistant", content: "The best answer is ( \n" },
      ],
    },
    anthropic: {
      max_tokens: 16,
      messages: [
        { role: "user", content: "What's the Greek name for Sun? (A) Sol (B) Helios (C) Sun" },
        { role: "assistant", content: "The best answer is (" },
      ],
    },
  },
  {
    name: "missing max_tokens → the model's maxOutputTokens from the catalogue",
    openai: { model: "claude-haiku-4-5", messages: [{ role: "user", content: "Write a long story." }] },
    anthropic: { model: "claude-haiku-4-5", max_tokens: 64_000, messages: [{ role: "user", content: "Write a long story." }] },
    // The SDK refuses a large non-streamed max_tokens unless a timeout is set (a client-side guard only).
    request: { timeout: 60_000 },
  },
  {
    name: "stream: true",
    openai: { max_tokens: 1024, stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "Hello" }] },
    anthropic: { max_tokens: 1024, stream: true, messages: [{ role: "user", content: "Hello" }] },
    stream: true,
  },
  {
    name: "response_format json_schema → forced answer tool",
    openai: {
      max_tokens: 1024,
      messages: [{ role: "user", content: "Weather report for Paris as JSON." }],
      response_format: { type: "json_schema", json_schema: { name: "weather_report", description: "A weather report.", schema: REPORT, strict: true } },
    },
    anthropic: {
      max_tokens: 1024,
      messages: [{ role: "user", content: "Weather report for Paris as JSON." }],
      tools: [{ name: "weather_report", description: "A weather report.", input_schema: REPORT }],
      tool_choice: { type: "tool", name: "weather_report" },
    },
  },
  {
    name: "structured_output: native → output_config.format",
    config: { structured_output: "native" },
    openai: {
      max_tokens: 1024,
      messages: [{ role: "user", content: "Weather report for Paris as JSON." }],
      response_format: { type: "json_schema", json_schema: { name: "weather_report", schema: REPORT, strict: true } },
    },
    anthropic: {
      max_tokens: 1024,
      messages: [{ role: "user", content: "Weather report for Paris as JSON." }],
      output_config: { format: { type: "json_schema", schema: REPORT } },
    },
  },
  {
    name: "Anthropic-only fields pass through (top_k, thinking); OpenAI-only ones are dropped",
    openai: { max_tokens: 4096, top_k: 5, thinking: { type: "enabled", budget_tokens: 2048 }, presence_penalty: 0.5, seed: 7, logprobs: false, messages: [{ role: "user", content: "Think." }] },
    anthropic: { max_tokens: 4096, top_k: 5, thinking: { type: "enabled", budget_tokens: 2048 }, messages: [{ role: "user", content: "Think." }] },
  },
  {
    name: "betas → anthropic-beta header",
    config: { betas: ["prompt-caching-2024-07-31", "token-efficient-tools-2025-02-19"] },
    openai: { max_tokens: 64, messages: [{ role: "user", content: "Hi" }] },
    anthropic: { max_tokens: 64, messages: [{ role: "user", content: "Hi" }] },
    request: { headers: { "anthropic-beta": "prompt-caching-2024-07-31,token-efficient-tools-2025-02-19" } },
  },
  {
    name: "browser use → anthropic-dangerous-direct-browser-access",
    config: { dangerously_allow_browser: true },
    client: { dangerouslyAllowBrowser: true },
    openai: { max_tokens: 64, messages: [{ role: "user", content: "Hi" }] },
    anthropic: { max_tokens: 64, messages: [{ role: "user", content: "Hi" }] },
  },
];

describe("request fidelity: official SDK vs anthropic.claude.v1 (capture server)", () => {
  let capture: CaptureServer;
  let sdkVersion: string;

  beforeAll(async () => {
    capture = await startCaptureServer({ json: fixture("anthropic-text") });
    capture.reply((request) => (request.body?.stream ? { sse: toSse(fixtureEvents("anthropic-text")) } : { json: fixture("anthropic-text") }));
  });
  afterAll(() => capture.close());

  async function viaSdk(testCase: PairedCase): Promise<CapturedRequest> {
    capture.clear();
    const client = new Anthropic({ apiKey: KEY, baseURL: capture.url, maxRetries: 0, ...testCase.client });
    const params = { model: MODEL, ...testCase.anthropic } as unknown as SdkParams;
    const result = await client.messages.create(params, testCase.request);
    if (testCase.stream) for await (const _event of result as AsyncIterable<unknown>) void _event;
    expect(capture.requests).toHaveLength(1);
    return capture.requests[0]!;
  }

  async function viaConnector(testCase: PairedCase): Promise<CapturedRequest> {
    capture.clear();
    const provider = createAnthropicProvider({ base_url: capture.url, api_key: KEY, ...testCase.config });
    const request = { model: MODEL, ...testCase.openai } as ChatCompletionRequest;
    try {
      if (testCase.stream) for await (const _chunk of provider.stream(request)) void _chunk;
      else await provider.complete(request);
    } finally {
      await provider.close();
    }
    expect(capture.requests).toHaveLength(1);
    return capture.requests[0]!;
  }

  function expectSameRequest(sdk: CapturedRequest, ours: CapturedRequest): void {
    expect(ours.method).toBe(sdk.method);
    expect(ours.path).toBe(sdk.path);
    if (ours.headers.authorization !== undefined) {
      expect(ours.headers.authorization).toBe(sdk.headers.authorization);
      expect(ours.headers["x-api-key"]).toBeUndefined();
    } else {
      // Same credential, in the header API version 2023-06-01 documents.
      expect(ours.headers["x-api-key"]).toBe(KEY);
      expect(sdk.headers.authorization).toBe(`Bearer ${ours.headers["x-api-key"]}`);
    }
    expect(ours.headers["content-type"]).toBe(sdk.headers["content-type"]);
    expect(ours.headers["anthropic-beta"]).toBe(sdk.headers["anthropic-beta"]);
    expect(ours.headers["anthropic-dangerous-direct-browser-access"]).toBe(sdk.headers["anthropic-dangerous-direct-browser-access"]);
    expect(sdk.headers["anthropic-version"]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(ours.headers["anthropic-version"]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(ours.body).toEqual(sdk.body);
  }

  for (const testCase of CASES) {
    it(testCase.name, async () => {
      const sdk = await viaSdk(testCase);
      const ours = await viaConnector(testCase);
      expectSameRequest(sdk, ours);
      expect(ours.headers["anthropic-version"]).toBe(ANTHROPIC_VERSION);
      sdkVersion = sdk.headers["anthropic-version"]!;
    });
  }

  it("auth_scheme: bearer and anthropic_version pinned to the SDK's → identical auth and version headers", async () => {
    const testCase: PairedCase = {
      name: "pinned version",
      config: { anthropic_version: sdkVersion, auth_scheme: "bearer" },
      openai: { max_tokens: 64, messages: [{ role: "user", content: "Hi" }] },
      anthropic: { max_tokens: 64, messages: [{ role: "user", content: "Hi" }] },
    };
    const sdk = await viaSdk(testCase);
    const ours = await viaConnector(testCase);
    expectSameRequest(sdk, ours);
    expect(ours.headers["anthropic-version"]).toBe(sdk.headers["anthropic-version"]);
    expect(ours.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it("GET /v1/models: discoverModels() sends what client.models.list() sends", async () => {
    capture.reply({ json: fixture("anthropic-models") });
    try {
      capture.clear();
      const client = new Anthropic({ apiKey: KEY, baseURL: capture.url, maxRetries: 0 });
      await client.models.list({ limit: 1000 });
      const sdk = capture.requests[0]!;
      capture.clear();
      const provider = createAnthropicProvider({ base_url: capture.url, api_key: KEY });
      await provider.discoverModels();
      await provider.close();
      const ours = capture.requests[0]!;
      expect(ours.method).toBe("GET");
      expect(ours.path).toBe(sdk.path);
      expect(sdk.headers.authorization).toBe(`Bearer ${ours.headers["x-api-key"]}`);
      expect(ours.headers["anthropic-version"]).toBe(ANTHROPIC_VERSION);
      expect(ours.body).toBeUndefined();
    } finally {
      capture.reply((request) => (request.body?.stream ? { sse: toSse(fixtureEvents("anthropic-text")) } : { json: fixture("anthropic-text") }));
    }
  });
});
