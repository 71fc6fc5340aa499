/**
 * Paired request fidelity: the same logical request is sent once through the official `@google/genai` SDK
 * (Gemini Developer API mode, apiKey, `httpOptions.baseUrl` pointed at a capture server) and once, in OpenAI
 * shape, through our connector; the two HTTP requests must carry the same method, path, auth / content
 * headers and (normalised) JSON body.
 */
import { FunctionCallingConfigMode, GoogleGenAI, Type } from "@google/genai";
import type { ChatCompletionRequest } from "@modelmesh/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GeminiProvider } from "../src/index.js";
import { startCaptureServer, type CapturedRequest, type CaptureServer } from "./support/capture-server.js";
import { chunks, fixture } from "./support/fixtures.js";

const KEY = "AIzaSy-fidelity-test-key-0123456789";

/** One paired case: our OpenAI-shaped call and the equivalent native SDK call. */
interface PairedCase {
  name: string;
  ours: (provider: GeminiProvider) => Promise<unknown>;
  sdk: (ai: GoogleGenAI) => Promise<unknown>;
  stream?: boolean;
}

async function drain(iterable: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of iterable) {
    // consume
  }
}

const chat = (request: Partial<ChatCompletionRequest>) => (provider: GeminiProvider) =>
  provider.complete({ model: "gemini-2.5-flash", messages: [], ...request } as ChatCompletionRequest);
const streamed = (request: Partial<ChatCompletionRequest>) => (provider: GeminiProvider) =>
  drain(provider.stream({ model: "gemini-2.5-flash", messages: [], ...request } as ChatCompletionRequest));

const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: {
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      properties: {
        city: { type: "string", description: "City name" },
        unit: { type: ["string", "null"], enum: ["celsius", "fahrenheit"] },
        days: { type: "integer", minimum: 1, maximum: 7, exclusiveMaximum: 8 },
      },
      required: ["city"],
      additionalProperties: false,
    },
  },
};

/** The same tool as a Gemini developer declares it for the SDK. */
const weatherDeclaration = {
  name: "get_weather",
  description: "Current weather for a city",
  parameters: {
    type: Type.OBJECT,
    properties: {
      city: { type: Type.STRING, description: "City name" },
      unit: { type: Type.STRING, nullable: true, enum: ["celsius", "fahrenheit"] },
      days: { type: Type.INTEGER, minimum: 1, maximum: 7 },
    },
    required: ["city"],
  },
};

const user = (text: string) => ({ role: "user", parts: [{ text }] });

const CASES: PairedCase[] = [
  {
    name: "plain user text",
    ours: chat({ messages: [{ role: "user", content: "Hello" }] }),
    sdk: (ai) => ai.models.generateContent({ model: "gemini-2.5-flash", contents: [user("Hello")] }),
  },
  {
    name: "system and developer messages → one systemInstruction",
    ours: chat({ messages: [{ role: "system", content: "You are terse." }, { role: "developer", content: [{ type: "text", text: "Answer in French." }] }, { role: "user", content: "Hi" }] }),
    sdk: (ai) => ai.models.generateContent({ model: "gemini-2.5-flash", contents: [user("Hi")], config: { systemInstruction: { parts: [{ text: "You are terse." }, { text: "Answer in French." }] } } }),
  },
  {
    name: "multi-turn: assistant → model, consecutive user turns merged",
    ours: chat({ messages: [{ role: "user", content: "What is 2+2?" }, { role: "assistant", content: "4" }, { role: "user", content: "And 3+3?" }, { role: "user", content: "Be brief." }] }),
    sdk: (ai) =>
      ai.models.generateContent({
        model: "gemini-2.5-flash",
        contents: [user("What is 2+2?"), { role: "model", parts: [{ text: "4" }] }, { role: "user", parts: [{ text: "And 3+3?" }, { text: "Be brief." }] }],
      }),
  },
  {
    name: "image as data: URL → inlineData",
    ours: chat({ messages: [{ role: "user", content: [{ type: "text", text: "Describe this" }, { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==" } }] }] }),
    sdk: (ai) =>
      ai.models.generateContent({
        model: "gemini-2.5-flash",
        contents: [{ role: "user", parts: [{ text: "Describe this" }, { inlineData: { mimeType: "image/png", data: "iVBORw0KGgoAAAANSUhEUg==" } }] }],
      }),
  },
  {
    name: "image as https URL → fileData",
    ours: chat({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/photos/cat.webp" } }, { type: "text", text: "Breed?" }] }] }),
    sdk: (ai) =>
      ai.models.generateContent({
        model: "gemini-2.5-flash",
        contents: [{ role: "user", parts: [{ fileData: { fileUri: "https://example.com/photos/cat.webp", mimeType: "image/webp" } }, { text: "Breed?" }] }],
      }),
  },
  {
    name: "audio input → inlineData audio/wav",
    ours: chat({ messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "UklGRiQAAABXQVZF", format: "wav" } }, { type: "text", text: "Transcribe" }] }] }),
    sdk: (ai) =>
      ai.models.generateContent({ model: "gemini-2.5-flash", contents: [{ role: "user", parts: [{ inlineData: { mimeType: "audio/wav", data: "UklGRiQAAABXQVZF" } }, { text: "Transcribe" }] }] }),
  },
  {
    name: "tools: JSON Schema sanitised to Gemini's subset, tool_choice auto → AUTO",
    ours: chat({ messages: [{ role: "user", content: "Weather?" }], tools: [weatherTool], tool_choice: "auto" }),
    sdk: (ai) =>
      ai.models.generateContent({
        model: "gemini-2.5-flash",
        contents: [user("Weather?")],
        config: { tools: [{ functionDeclarations: [weatherDeclaration] }], toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.AUTO } } },
      }),
  },
  {
    name: "tool_choice required → ANY",
    ours: chat({ messages: [{ role: "user", content: "Weather?" }], tools: [weatherTool], tool_choice: "required" }),
    sdk: (ai) =>
      ai.models.generateContent({
        model: "gemini-2.5-flash",
        contents: [user("Weather?")],
        config: { tools: [{ functionDeclarations: [weatherDeclaration] }], toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY } } },
      }),
  },
  {
    name: "tool_choice naming a function → ANY + allowedFunctionNames",
    ours: chat({ messages: [{ role: "user", content: "Weather?" }], tools: [weatherTool, { type: "function", function: { name: "get_time", parameters: { type: "object", properties: {} } } }], tool_choice: { type: "function", function: { name: "get_weather" } } }),
    sdk: (ai) =>
      ai.models.generateContent({
        model: "gemini-2.5-flash",
        contents: [user("Weather?")],
        config: {
          tools: [{ functionDeclarations: [weatherDeclaration, { name: "get_time" }] }],
          toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: ["get_weather"] } },
        },
      }),
  },
  {
    name: "tool_choice none → NONE",
    ours: chat({ messages: [{ role: "user", content: "Weather?" }], tools: [weatherTool], tool_choice: "none" }),
    sdk: (ai) =>
      ai.models.generateContent({
        model: "gemini-2.5-flash",
        contents: [user("Weather?")],
        config: { tools: [{ functionDeclarations: [weatherDeclaration] }], toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.NONE } } },
      }),
  },
  {
    name: "assistant tool_calls → functionCall parts; tool results → functionResponse parts in one user turn",
    ours: chat({
      tools: [weatherTool],
      messages: [
        { role: "user", content: "Weather in Paris and Rome?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
            { id: "call_b", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome","unit":"celsius"}' } },
          ],
        },
        { role: "tool", tool_call_id: "call_a", content: '{"temperature":21,"sky":"clear"}' },
        { role: "tool", tool_call_id: "call_b", content: "sunny, 25C" },
      ],
    }),
    sdk: (ai) =>
      ai.models.generateContent({
        model: "gemini-2.5-flash",
        contents: [
          user("Weather in Paris and Rome?"),
          { role: "model", parts: [{ functionCall: { name: "get_weather", args: { city: "Paris" } } }, { functionCall: { name: "get_weather", args: { city: "Rome", unit: "celsius" } } }] },
          {
            role: "user",
            parts: [
              { functionResponse: { name: "get_weather", response: { temperature: 21, sky: "clear" } } },
              { functionResponse: { name: "get_weather", response: { result: "sunny, 25C" } } },
            ],
          },
        ],
        config: { tools: [{ functionDeclarations: [weatherDeclaration] }] },
      }),
  },
  {
    name: "a tool call's extra_content.google.thought_signature goes back as the part's thoughtSignature",
    ours: chat({
      tools: [weatherTool],
      messages: [
        { role: "user", content: "Weather in Oslo?" },
        { role: "assistant", content: "Checking.", tool_calls: [{ id: "call_x", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' }, extra_content: { google: { thought_signature: "CiQBVKhc7q3Zc2lnbmF0dXJl" } } } as never] },
        { role: "tool", tool_call_id: "call_x", content: '{"temperature":-3}' },
      ],
    }),
    sdk: (ai) =>
      ai.models.generateContent({
        model: "gemini-2.5-flash",
        contents: [
          user("Weather in Oslo?"),
          { role: "model", parts: [{ text: "Checking." }, { functionCall: { name: "get_weather", args: { city: "Oslo" } }, thoughtSignature: "CiQBVKhc7q3Zc2lnbmF0dXJl" }] },
          { role: "user", parts: [{ functionResponse: { name: "get_weather", response: { temperature: -3 } } }] },
        ],
        config: { tools: [{ functionDeclarations: [weatherDeclaration] }] },
      }),
  },
  {
    name: "sampling parameters → generationConfig",
    ours: chat({ messages: [{ role: "user", content: "Name a colour" }], temperature: 0.3, top_p: 0.9, max_tokens: 256, stop: "END", n: 2, seed: 42, presence_penalty: 0.5, frequency_penalty: 0.25 }),
    sdk: (ai) =>
      ai.models.generateContent({
        model: "gemini-2.5-flash",
        contents: [user("Name a colour")],
        config: { temperature: 0.3, topP: 0.9, maxOutputTokens: 256, stopSequences: ["END"], candidateCount: 2, seed: 42, presencePenalty: 0.5, frequencyPenalty: 0.25 },
      }),
  },
  {
    name: "max_completion_tokens wins over max_tokens; stop list; top_k",
    ours: chat({ messages: [{ role: "user", content: "List" }], max_tokens: 100, max_completion_tokens: 300, stop: ["\n\n", "###"], top_k: 40 }),
    sdk: (ai) => ai.models.generateContent({ model: "gemini-2.5-flash", contents: [user("List")], config: { maxOutputTokens: 300, stopSequences: ["\n\n", "###"], topK: 40 } }),
  },
  {
    name: "response_format json_object → responseMimeType application/json",
    ours: chat({ messages: [{ role: "user", content: "JSON please" }], response_format: { type: "json_object" } }),
    sdk: (ai) => ai.models.generateContent({ model: "gemini-2.5-flash", contents: [user("JSON please")], config: { responseMimeType: "application/json" } }),
  },
  {
    name: "response_format json_schema on Gemini 2.5 → responseJsonSchema (schema as written)",
    ours: chat({
      messages: [{ role: "user", content: "A person" }],
      response_format: { type: "json_schema", json_schema: { name: "person", strict: true, schema: { type: "object", properties: { name: { type: "string" }, age: { type: "integer" } }, required: ["name", "age"], additionalProperties: false } } },
    }),
    sdk: (ai) =>
      ai.models.generateContent({
        model: "gemini-2.5-flash",
        contents: [user("A person")],
        config: { responseMimeType: "application/json", responseJsonSchema: { type: "object", properties: { name: { type: "string" }, age: { type: "integer" } }, required: ["name", "age"], additionalProperties: false } },
      }),
  },
  {
    name: "response_format json_schema on Gemini 2.0 → responseSchema ($ref inlined, OpenAPI subset)",
    ours: (provider) =>
      provider.complete({
        model: "gemini-2.0-flash",
        messages: [{ role: "user", content: "A team" }],
        response_format: {
          type: "json_schema",
          json_schema: {
            name: "team",
            schema: {
              type: "object",
              properties: { lead: { $ref: "#/$defs/Person" }, tags: { type: "array", items: { type: "string" }, uniqueItems: true } },
              required: ["lead"],
              additionalProperties: false,
              $defs: { Person: { type: "object", properties: { name: { type: "string" } }, required: ["name"], additionalProperties: false } },
            },
          },
        },
      }),
    sdk: (ai) =>
      ai.models.generateContent({
        model: "gemini-2.0-flash",
        contents: [user("A team")],
        config: {
          responseMimeType: "application/json",
          responseSchema: {
            type: Type.OBJECT,
            properties: { lead: { type: Type.OBJECT, properties: { name: { type: Type.STRING } }, required: ["name"] }, tags: { type: Type.ARRAY, items: { type: Type.STRING } } },
            required: ["lead"],
          },
        },
      }),
  },
  {
    name: "reasoning_effort → thinkingConfig.thinkingBudget",
    ours: chat({ messages: [{ role: "user", content: "Think" }], reasoning_effort: "low" }),
    sdk: (ai) => ai.models.generateContent({ model: "gemini-2.5-flash", contents: [user("Think")], config: { thinkingConfig: { thinkingBudget: 1024 } } }),
  },
  {
    name: "extra_body.google: safetySettings and thinking_config pass natively",
    ours: chat({
      messages: [{ role: "user", content: "Hi" }],
      extra_body: { google: { safety_settings: [{ category: "HARM_CATEGORY_HARASSMENT", threshold: "BLOCK_ONLY_HIGH" }], thinking_config: { include_thoughts: true } } },
    }),
    sdk: (ai) =>
      ai.models.generateContent({
        model: "gemini-2.5-flash",
        contents: [user("Hi")],
        config: { safetySettings: [{ category: "HARM_CATEGORY_HARASSMENT" as never, threshold: "BLOCK_ONLY_HIGH" as never }], thinkingConfig: { includeThoughts: true } },
      }),
  },
  {
    name: "stream: plain text → streamGenerateContent?alt=sse",
    stream: true,
    ours: streamed({ messages: [{ role: "system", content: "Be kind." }, { role: "user", content: "Tell me a joke" }], temperature: 1 }),
    sdk: async (ai) => drain(await ai.models.generateContentStream({ model: "gemini-2.5-flash", contents: [user("Tell me a joke")], config: { systemInstruction: { parts: [{ text: "Be kind." }] }, temperature: 1 } })),
  },
  {
    name: "stream: tools and tool_choice",
    stream: true,
    ours: streamed({ messages: [{ role: "user", content: "Weather?" }], tools: [weatherTool], tool_choice: "required", max_tokens: 64 }),
    sdk: async (ai) =>
      drain(
        await ai.models.generateContentStream({
          model: "gemini-2.5-flash",
          contents: [user("Weather?")],
          config: { tools: [{ functionDeclarations: [weatherDeclaration] }], toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY } }, maxOutputTokens: 64 },
        }),
      ),
  },
  {
    name: "embeddings: a list → batchEmbedContents with per-entry model",
    ours: (provider) => provider.embed({ model: "text-embedding-004", input: ["alpha", "beta"], dimensions: 4 }),
    sdk: (ai) => ai.models.embedContent({ model: "text-embedding-004", contents: ["alpha", "beta"], config: { outputDimensionality: 4 } }),
  },
  {
    name: "model listing → GET /v1beta/models",
    ours: (provider) => provider.discoverModels(),
    sdk: async (ai) => ai.models.list(),
  },
];

/** Drops what carries no content: an empty `generationConfig` (the SDK always sends one when given a config). */
function normaliseBody(body: unknown): unknown {
  if (typeof body !== "object" || body === null) return body;
  const copy = { ...(body as Record<string, unknown>) };
  if (typeof copy.generationConfig === "object" && copy.generationConfig !== null && Object.keys(copy.generationConfig).length === 0) delete copy.generationConfig;
  return copy;
}

function pathOf(request: CapturedRequest): string {
  return request.method === "GET" ? request.path.split("?")[0]! : request.path;
}

function expectSameRequest(ours: CapturedRequest, sdk: CapturedRequest): void {
  expect(ours.method).toBe(sdk.method);
  expect(pathOf(ours)).toBe(pathOf(sdk));
  expect(ours.path).not.toMatch(/[?&]key=/);
  expect(ours.headers["x-goog-api-key"]).toBe(KEY);
  expect(sdk.headers["x-goog-api-key"]).toBe(KEY);
  expect(ours.headers.authorization).toBeUndefined();
  expect(ours.headers["x-goog-api-client"]).toMatch(/^[\w.-]+\/[\w.-]+/);
  expect(sdk.headers["x-goog-api-client"]).toMatch(/^[\w.-]+\/[\w.-]+/);
  if (sdk.method === "POST") expect(ours.headers["content-type"]).toBe(sdk.headers["content-type"]);
  expect(normaliseBody(ours.body)).toEqual(normaliseBody(sdk.body));
}

describe(`paired request fidelity against @google/genai (${CASES.length} cases)`, () => {
  let capture: CaptureServer;
  let ai: GoogleGenAI;
  let provider: GeminiProvider;

  beforeAll(async () => {
    capture = await startCaptureServer();
    ai = new GoogleGenAI({ apiKey: KEY, httpOptions: { baseUrl: capture.url } });
    provider = new GeminiProvider({ baseUrl: capture.url, apiKey: KEY });
  });
  afterAll(async () => {
    await provider.close();
    await capture.close();
  });

  it("has at least 15 distinct paired cases", () => {
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    expect(CASES.length).toBeGreaterThanOrEqual(15);
  });

  for (const testCase of CASES) {
    it(testCase.name, async () => {
      if (testCase.stream) capture.reply({ kind: "sse", events: chunks("gemini-text") });
      else if (testCase.name.startsWith("embeddings")) capture.reply({ kind: "json", body: fixture("gemini-embed-batch") });
      else if (testCase.name.startsWith("model listing")) capture.reply({ kind: "json", body: fixture("gemini-models") });
      else capture.reply({ kind: "json", body: fixture("gemini-text") });
      capture.clear();
      await testCase.sdk(ai);
      expect(capture.requests).toHaveLength(1);
      const sdk = capture.requests[0]!;
      capture.clear();
      await testCase.ours(provider);
      expect(capture.requests).toHaveLength(1);
      expectSameRequest(capture.requests[0]!, sdk);
    });
  }
});
