import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from "@modelmesh/core";
import { ProviderError } from "@modelmesh/core";
import OpenAI, { AzureOpenAI, toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAzureOpenAIProvider, type AzureOpenAIProvider } from "../src/index.js";
import { startCaptureServer, type CannedReply, type CapturedRequest, type CaptureServer } from "./support/capture-server.js";
import { chunkFixture, fixture } from "./support/fixtures.js";
import { collect, formView } from "./support/pair.js";
import { reassemble } from "./support/reassemble.js";

/**
 * Paired fidelity for `azure.openai.v1`: the official SDK's `AzureOpenAI` client (openai 6.49.0) and our Azure
 * provider send the same logical request to one capture server; the recorded HTTP requests must agree on
 * method, path, query (`api-version`), credential header and JSON body, and both clients must read the same
 * Azure-shaped answer (content-filter annotations, filtered finish, the content-filter 400) the same way.
 */

const KEY = "azure-key-fidelity-0123456789abcdef";
const TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.fidelity-token.sig";
const VERSION = "2024-10-21";

let server: CaptureServer;
let endpoint: string;
beforeAll(async () => {
  server = await startCaptureServer();
  endpoint = new URL(server.url).origin;
});
afterAll(() => server.close());

/** The request fields that carry meaning for Azure: method, path with query, credential headers, JSON body. */
function wire(request: CapturedRequest): Record<string, unknown> {
  return {
    method: request.method,
    path: request.path,
    headers: { "api-key": request.headers["api-key"], authorization: request.headers.authorization, "content-type": request.headers["content-type"] },
    body: request.json,
  };
}

interface Side {
  sdk: () => OpenAI;
  ours: () => AzureOpenAIProvider;
}

/** A key-authenticated pair; `deployment` pins the SDK client to one deployment, `deployments` maps ours. */
function keyed(options: { deployment?: string; deployments?: Record<string, string>; apiVersion?: string } = {}): Side {
  const apiVersion = options.apiVersion ?? VERSION;
  return {
    sdk: () => new AzureOpenAI({ endpoint, apiKey: KEY, apiVersion, maxRetries: 0, organization: null, project: null, ...(options.deployment ? { deployment: options.deployment } : {}) }),
    ours: () =>
      createAzureOpenAIProvider({
        config: { endpoint, api_key: KEY, api_version: apiVersion, deployments: options.deployments ?? { "gpt-4o": "gpt-4o", "text-embedding-3-small": "text-embedding-3-small" } },
        instanceId: "azure",
      }),
  };
}

/** Runs one request through each side (SDK first) with the same canned reply; both captures and results. */
async function pair<S, O>(side: Side, reply: CannedReply, viaSdk: (sdk: OpenAI) => Promise<S>, viaOurs: (ours: AzureOpenAIProvider) => Promise<O>) {
  server.reply = () => reply;
  server.requests.length = 0;
  const sdkResult = await viaSdk(side.sdk());
  const sdk = server.requests.splice(0);
  const provider = side.ours();
  let ourResult: O;
  try {
    ourResult = await viaOurs(provider);
  } finally {
    await provider.close();
  }
  const ours = server.requests.splice(0);
  expect(sdk).toHaveLength(1);
  expect(ours).toHaveLength(1);
  return { sdk: sdk[0]!, ours: ours[0]!, sdkResult, ourResult };
}

/** Captures what a call throws. */
async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

const WEATHER_TOOL = {
  type: "function",
  function: {
    name: "get_current_weather",
    description: "Get the current weather in a given location",
    parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"], additionalProperties: false },
    strict: true,
  },
} as const;

type SdkParams = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;

describe("azure.openai.v1 vs the SDK's AzureOpenAI: chat", () => {
  it("A1. plain chat on a mapped deployment: same path, api-version, api-key and body; filter annotations kept", async () => {
    const params = { model: "gpt-4o", messages: [{ role: "user", content: "Hello!" }], temperature: 0.2, max_tokens: 64 };
    const result = await pair(
      keyed({ deployment: "gpt4o-prod", deployments: { "gpt-4o": "gpt4o-prod" } }),
      { json: fixture("azure-chat-text") },
      (sdk) => sdk.chat.completions.create(params as SdkParams),
      (ours) => ours.complete(params as ChatCompletionRequest),
    );
    expect(wire(result.ours)).toEqual(wire(result.sdk));
    expect(result.ours.path).toBe(`/openai/deployments/gpt4o-prod/chat/completions?api-version=${VERSION}`);
    expect(result.ours.headers["api-key"]).toBe(KEY);
    expect(result.ours.headers.authorization).toBeUndefined();
    expect(result.ours.json).toEqual(params);
    expect(result.ourResult).toEqual(JSON.parse(JSON.stringify(result.sdkResult)));
    const answer = result.ourResult as ChatCompletion & { prompt_filter_results?: unknown[] };
    expect(answer.choices[0]!.message.content).toBe("Hello! How can I help you today?");
    expect(answer.prompt_filter_results).toHaveLength(1);
    expect((answer.choices[0] as unknown as { content_filter_results: Record<string, unknown> }).content_filter_results.hate).toEqual({ filtered: false, severity: "safe" });
    expect(answer.usage?.total_tokens).toBe(28);
  });

  it("A2. without a deployments entry the model id is the deployment (the SDK's default); tools pass through", async () => {
    const params = { model: "gpt-4o", messages: [{ role: "user", content: "Weather in Boston?" }], tools: [WEATHER_TOOL], tool_choice: "auto", parallel_tool_calls: false };
    const result = await pair(
      keyed({ deployments: { "gpt-4o-mini": "mini" } }),
      { json: fixture("openai-chat-tool-calls") },
      (sdk) => sdk.chat.completions.create(params as unknown as SdkParams),
      (ours) => ours.complete(params as unknown as ChatCompletionRequest),
    );
    expect(wire(result.ours)).toEqual(wire(result.sdk));
    expect(result.ours.path).toBe(`/openai/deployments/gpt-4o/chat/completions?api-version=${VERSION}`);
    expect(result.ourResult).toEqual(JSON.parse(JSON.stringify(result.sdkResult)));
    expect(result.ourResult.choices[0]!.message.tool_calls?.length).toBeGreaterThan(0);
  });

  it("A3. another api_version goes into the query on both sides", async () => {
    const params = { model: "gpt-4o", messages: [{ role: "user", content: "hi" }] };
    const result = await pair(
      keyed({ apiVersion: "2025-04-01-preview" }),
      { json: fixture("azure-chat-text") },
      (sdk) => sdk.chat.completions.create(params as SdkParams),
      (ours) => ours.complete(params as ChatCompletionRequest),
    );
    expect(wire(result.ours)).toEqual(wire(result.sdk));
    expect(result.ours.path).toBe("/openai/deployments/gpt-4o/chat/completions?api-version=2025-04-01-preview");
  });

  it("A4. a filtered answer (finish_reason content_filter, content null) reads the same", async () => {
    const params = { model: "gpt-4o", messages: [{ role: "user", content: "something violent" }] };
    const result = await pair(
      keyed(),
      { json: fixture("azure-chat-filtered") },
      (sdk) => sdk.chat.completions.create(params as SdkParams),
      (ours) => ours.complete(params as ChatCompletionRequest),
    );
    expect(result.ourResult).toEqual(JSON.parse(JSON.stringify(result.sdkResult)));
    expect(result.ourResult.choices[0]).toMatchObject({ finish_reason: "content_filter", message: { content: null } });
  });
});

describe("azure.openai.v1 vs the SDK's AzureOpenAI: Entra ID", () => {
  it("E1. azureADTokenProvider: asked once per request, sent as Authorization: Bearer, no api-key", async () => {
    const asked = { sdk: 0, ours: 0 };
    const side: Side = {
      sdk: () =>
        new AzureOpenAI({
          endpoint,
          apiVersion: VERSION,
          deployment: "gpt4o-prod",
          maxRetries: 0,
          organization: null,
          project: null,
          azureADTokenProvider: async () => {
            asked.sdk += 1;
            return TOKEN;
          },
        }),
      ours: () =>
        createAzureOpenAIProvider({
          config: { endpoint, deployments: { "gpt-4o": "gpt4o-prod" } },
          azureADTokenProvider: async () => {
            asked.ours += 1;
            return TOKEN;
          },
        }),
    };
    const params = { model: "gpt-4o", messages: [{ role: "user", content: "Hello!" }] };
    const result = await pair(side, { json: fixture("azure-chat-text") }, (sdk) => sdk.chat.completions.create(params as SdkParams), (ours) => ours.complete(params as ChatCompletionRequest));
    expect(wire(result.ours)).toEqual(wire(result.sdk));
    expect(result.ours.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(result.ours.headers["api-key"]).toBeUndefined();
    expect(asked).toEqual({ sdk: 1, ours: 1 });
  });

  it("E2. a fixed azure_ad_token sends the same request as a token provider returning it", async () => {
    const side: Side = {
      sdk: () => new AzureOpenAI({ endpoint, apiVersion: VERSION, maxRetries: 0, organization: null, project: null, azureADTokenProvider: async () => TOKEN }),
      ours: () => createAzureOpenAIProvider({ config: { endpoint, azure_ad_token: TOKEN, deployments: { "gpt-4o": "gpt-4o" } } }),
    };
    const params = { model: "gpt-4o", messages: [{ role: "user", content: "Hi" }] };
    const result = await pair(side, { json: fixture("azure-chat-text") }, (sdk) => sdk.chat.completions.create(params as SdkParams), (ours) => ours.complete(params as ChatCompletionRequest));
    expect(wire(result.ours)).toEqual(wire(result.sdk));
    expect(result.ours.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("E3. a token provider that fails gives MM_AUTH before any request, the token never in the message", async () => {
    const provider = createAzureOpenAIProvider({
      config: { endpoint, deployments: { "gpt-4o": "gpt-4o" } },
      azureADTokenProvider: async () => {
        throw new Error("CredentialUnavailableError: no managed identity endpoint");
      },
    });
    server.requests.length = 0;
    const error = await failure(() => provider.complete({ model: "gpt-4o", messages: [{ role: "user", content: "x" }] }));
    expect(ProviderError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: "MM_AUTH", category: "auth", retryable: false });
    expect((error as Error).message).toContain("azureADTokenProvider");
    expect(server.requests).toHaveLength(0);
    await provider.close();
  });
});

describe("the Entra token transport", () => {
  it("E4. an empty token is MM_AUTH; a fresh token is asked for each request (refresh needs nothing else)", async () => {
    const empty = createAzureOpenAIProvider({ config: { endpoint, deployments: { "gpt-4o": "gpt-4o" } }, azureADTokenProvider: async () => "" });
    await expect(empty.complete({ model: "gpt-4o", messages: [{ role: "user", content: "x" }] })).rejects.toMatchObject({ code: "MM_AUTH" });
    await empty.close();
    let n = 0;
    const rotating = createAzureOpenAIProvider({ config: { endpoint, deployments: { "gpt-4o": "gpt-4o" } }, azureADTokenProvider: async () => `token-${(n += 1)}` });
    server.reply = () => ({ json: fixture("azure-chat-text") });
    server.requests.length = 0;
    await rotating.complete({ model: "gpt-4o", messages: [{ role: "user", content: "1" }] });
    await collect(rotating.stream({ model: "gpt-4o", messages: [{ role: "user", content: "2" }] }));
    await rotating.embed({ model: "gpt-4o", input: "3" }).catch(() => undefined);
    expect(server.requests.map((request) => request.headers.authorization)).toEqual(["Bearer token-1", "Bearer token-2", "Bearer token-3"]);
    await rotating.close();
  });
});

describe("azure.openai.v1 vs the SDK's AzureOpenAI: streams and embeddings", () => {
  it("S1. streamed chat with usage: same request; same text, finish and usage; filter chunks kept", async () => {
    const params = { model: "gpt-4o", messages: [{ role: "user", content: "Say hello" }], stream: true, stream_options: { include_usage: true } };
    const result = await pair(
      keyed({ deployment: "gpt4o-prod", deployments: { "gpt-4o": "gpt4o-prod" } }),
      { sse: chunkFixture("azure-chat-text") },
      async (sdk) => collect(await sdk.chat.completions.create(params as OpenAI.Chat.ChatCompletionCreateParamsStreaming)),
      (ours) => collect(ours.stream(params as ChatCompletionRequest)),
    );
    expect(wire(result.ours)).toEqual(wire(result.sdk));
    expect(result.ours.path).toBe(`/openai/deployments/gpt4o-prod/chat/completions?api-version=${VERSION}`);
    const sdkWhole = reassemble(result.sdkResult as unknown as ChatCompletionChunk[]);
    const ourWhole = reassemble(result.ourResult);
    expect(ourWhole).toEqual(sdkWhole);
    expect(ourWhole).toMatchObject({ content: "Hello from Azure!", finishReason: "stop", usage: { prompt_tokens: 11, completion_tokens: 5, total_tokens: 16 } });
    // Azure's leading chunk (no choices, only prompt_filter_results) reaches the caller on both sides; ours
    // names the requested model where Azure left the field empty.
    expect(result.ourResult).toHaveLength(result.sdkResult.length);
    expect(result.ourResult[0]).toMatchObject({ choices: [], model: "gpt-4o", prompt_filter_results: (result.sdkResult[0] as unknown as { prompt_filter_results: unknown }).prompt_filter_results });
    expect(result.ourResult.slice(1)).toEqual(JSON.parse(JSON.stringify(result.sdkResult.slice(1))));
  });

  it("S2. streamed tool calls reassemble like the SDK's stream helper", async () => {
    const params = { model: "gpt-4o", messages: [{ role: "user", content: "Weather in Boston and Paris?" }], tools: [WEATHER_TOOL], stream: true, stream_options: { include_usage: true } };
    const result = await pair(
      keyed(),
      { sse: chunkFixture("openai-chat-tool-calls") },
      (sdk) => sdk.chat.completions.stream(params as unknown as Parameters<OpenAI["chat"]["completions"]["stream"]>[0]).finalChatCompletion(),
      (ours) => collect(ours.stream(params as unknown as ChatCompletionRequest)),
    );
    expect(wire(result.ours)).toEqual(wire(result.sdk));
    const ours = reassemble(result.ourResult);
    const sdkMessage = result.sdkResult.choices[0]!.message;
    expect(ours.toolCalls.map((call) => [call.id, call.function.name, call.function.arguments])).toEqual(
      sdkMessage.tool_calls!.map((call) => [call.id, (call as OpenAI.Chat.ChatCompletionMessageFunctionToolCall).function.name, (call as OpenAI.Chat.ChatCompletionMessageFunctionToolCall).function.arguments]),
    );
    expect(ours.usage).toEqual(result.sdkResult.usage);
  });

  it("M1. embeddings on a mapped deployment", async () => {
    const params = { model: "text-embedding-3-small", input: ["The food was delicious", "and the waiter..."], dimensions: 4, encoding_format: "float" as const };
    const result = await pair(
      keyed({ deployment: "emb-small", deployments: { "text-embedding-3-small": "emb-small" } }),
      { json: fixture("openai-embeddings") },
      (sdk) => sdk.embeddings.create(params),
      (ours) => ours.embed(params),
    );
    expect(wire(result.ours)).toEqual(wire(result.sdk));
    expect(result.ours.path).toBe(`/openai/deployments/emb-small/embeddings?api-version=${VERSION}`);
    expect(result.ourResult).toEqual(JSON.parse(JSON.stringify(result.sdkResult)));
  });

  it("M2. calls to different deployments at the same time each reach their own URL", async () => {
    server.reply = () => ({ json: fixture("azure-chat-text") });
    server.requests.length = 0;
    const provider = createAzureOpenAIProvider({ config: { endpoint, api_key: KEY, deployments: { "gpt-4o": "big", "gpt-4o-mini": "small" } } });
    await Promise.all([
      provider.complete({ model: "gpt-4o", messages: [{ role: "user", content: "a" }] }),
      collect(provider.stream({ model: "gpt-4o-mini", messages: [{ role: "user", content: "b" }] })),
      provider.complete({ model: "gpt-4o-mini", messages: [{ role: "user", content: "c" }] }),
      provider.complete({ model: "gpt-4o", messages: [{ role: "user", content: "d" }] }),
    ]);
    const byMessage = Object.fromEntries(server.requests.map((request) => [(request.json as { messages: Array<{ content: string }> }).messages[0]!.content, request.path.split("?")[0]]));
    expect(byMessage).toEqual({
      a: "/openai/deployments/big/chat/completions",
      b: "/openai/deployments/small/chat/completions",
      c: "/openai/deployments/small/chat/completions",
      d: "/openai/deployments/big/chat/completions",
    });
    await provider.close();
  });
});

describe("azure.openai.v1 vs the SDK's AzureOpenAI: images and audio on their deployments", () => {
  it("I1. image generation", async () => {
    const params = { model: "dall-e-3", prompt: "A small red square", n: 1, size: "1024x1024", quality: "hd" } as const;
    const result = await pair(
      keyed({ deployment: "images-prod", deployments: { "dall-e-3": "images-prod" } }),
      { json: fixture("openai-images") },
      (sdk) => sdk.images.generate(params),
      (ours) => ours.generateImage(params),
    );
    expect(wire(result.ours)).toEqual(wire(result.sdk));
    expect(result.ours.path).toBe(`/openai/deployments/images-prod/images/generations?api-version=${VERSION}`);
    expect(result.ourResult).toEqual(JSON.parse(JSON.stringify(result.sdkResult)));
  });

  it("I2. transcription: same multipart form on the deployment's URL", async () => {
    const bytes = new Uint8Array([82, 73, 70, 70, 36, 0, 0, 0, 87, 65, 86, 69, 0, 1, 2, 3]);
    const fields = { model: "whisper-1", language: "en", response_format: "verbose_json" as const, timestamp_granularities: ["word"] as Array<"word" | "segment"> };
    const result = await pair(
      keyed({ deployment: "whisper", deployments: { "whisper-1": "whisper" } }),
      { json: fixture("openai-transcription-verbose") },
      async (sdk) => sdk.audio.transcriptions.create({ ...fields, file: await toFile(bytes, "speech.wav") }),
      (ours) => ours.transcribe({ ...fields, file: bytes, filename: "speech.wav" }),
    );
    expect({ method: result.ours.method, path: result.ours.path, key: result.ours.headers["api-key"] }).toEqual({ method: result.sdk.method, path: result.sdk.path, key: result.sdk.headers["api-key"] });
    expect(result.ours.path).toBe(`/openai/deployments/whisper/audio/transcriptions?api-version=${VERSION}`);
    expect(await formView(result.ours.form)).toEqual(await formView(result.sdk.form));
    expect(result.ourResult).toEqual(JSON.parse(JSON.stringify(result.sdkResult)));
  });
});

describe("azure.openai.v1 on the v1 API vs the SDK's OpenAI client at {endpoint}/openai/v1", () => {
  it("V1. token auth: identical requests (no api-version; the deployment named in the body's model)", async () => {
    const side: Side = {
      sdk: () => new OpenAI({ baseURL: `${endpoint}/openai/v1`, apiKey: async () => TOKEN, maxRetries: 0, organization: null, project: null }),
      ours: () => createAzureOpenAIProvider({ config: { endpoint, api_version: "v1", deployments: { "gpt-4o": "gpt4o-prod" } }, azureADTokenProvider: async () => TOKEN }),
    };
    const result = await pair(
      side,
      { json: fixture("azure-chat-text") },
      (sdk) => sdk.chat.completions.create({ model: "gpt4o-prod", messages: [{ role: "user", content: "Hello!" }] }),
      (ours) => ours.complete({ model: "gpt-4o", messages: [{ role: "user", content: "Hello!" }] }),
    );
    expect(wire(result.ours)).toEqual(wire(result.sdk));
    expect(result.ours.path).toBe("/openai/v1/chat/completions");
    expect(result.ours.json).toMatchObject({ model: "gpt4o-prod" });
    expect(result.ourResult).toEqual(JSON.parse(JSON.stringify(result.sdkResult)));
  });

  it("V2. key auth on the v1 API sends api-key; embeddings name the deployment too", async () => {
    server.reply = () => ({ json: fixture("openai-embeddings") });
    server.requests.length = 0;
    const provider = createAzureOpenAIProvider({ config: { endpoint, api_version: "v1", api_key: KEY, deployments: { "text-embedding-3-small": "emb-small" } } });
    await provider.embed({ model: "text-embedding-3-small", input: "hi", encoding_format: "float" });
    expect(server.requests[0]).toMatchObject({ method: "POST", path: "/openai/v1/embeddings", json: { model: "emb-small", input: "hi", encoding_format: "float" } });
    expect(server.requests[0]!.headers["api-key"]).toBe(KEY);
    await provider.close();
  });
});

describe("azure.openai.v1 vs the SDK's AzureOpenAI: errors", () => {
  async function errorPair(reply: CannedReply) {
    server.reply = () => reply;
    const params = { model: "gpt-4o", messages: [{ role: "user", content: "x" }] };
    const sdkError = await failure(() => keyed().sdk().chat.completions.create(params as SdkParams));
    const provider = keyed().ours();
    const ourError = await failure(() => provider.complete(params as ChatCompletionRequest));
    await provider.close();
    return { sdkError: sdkError as InstanceType<typeof OpenAI.APIError>, ourError: ourError as ProviderError };
  }

  it("X1. a content-filter 400 is MM_CONTENT_FILTER (the SDK reads code content_filter)", async () => {
    const { sdkError, ourError } = await errorPair({ status: 400, json: fixture("azure-error-content-filter") });
    expect(sdkError).toBeInstanceOf(OpenAI.BadRequestError);
    expect(sdkError.code).toBe("content_filter");
    expect(ourError).toMatchObject({ code: "MM_CONTENT_FILTER", category: "content_filter", status: 400, retryable: false });
  });

  it("X2. a 429 waits retry-after-ms when given, else retry-after", async () => {
    const precise = await errorPair({ status: 429, headers: { "retry-after-ms": "5750", "retry-after": "6" }, json: fixture("azure-error-rate-limit") });
    expect(precise.sdkError).toBeInstanceOf(OpenAI.RateLimitError);
    expect(precise.ourError).toMatchObject({ code: "MM_RATE_LIMIT", category: "rate_limit", status: 429, retryable: true, retryAfterMs: 5750 });
    const seconds = await errorPair({ status: 429, headers: { "retry-after": "6" }, json: fixture("azure-error-rate-limit") });
    expect(seconds.ourError).toMatchObject({ category: "rate_limit", retryAfterMs: 6000 });
  });

  it("X3. a missing deployment (404 DeploymentNotFound) and a wrong key (401) keep their status", async () => {
    const missing = await errorPair({ status: 404, json: fixture("azure-error-deployment-not-found") });
    expect(missing.sdkError).toBeInstanceOf(OpenAI.NotFoundError);
    expect(missing.ourError).toMatchObject({ status: 404, retryable: false });
    const denied = await errorPair({ status: 401, json: { error: { code: "401", message: `Access denied due to invalid subscription key ${KEY} or wrong API endpoint.` } } });
    expect(denied.sdkError).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(denied.ourError).toMatchObject({ code: "MM_AUTH", category: "auth", status: 401 });
    // An upstream message that echoes the key is scrubbed (the key stays the base class's `apiKey` for that).
    expect(denied.ourError.message).not.toContain(KEY);
    expect(JSON.stringify(denied.ourError.metadata ?? {})).not.toContain(KEY);
  });
});
