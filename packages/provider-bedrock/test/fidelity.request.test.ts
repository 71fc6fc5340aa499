/**
 * Request fidelity against the official AWS SDK (`@aws-sdk/client-bedrock-runtime`): the SDK and this
 * connector send the same logical request to one recording server, with the same static credentials (session
 * token included), region and signing time; the recorded requests must match — method, path (model id
 * encoding), body bytes, and the SigV4 headers exactly: same signed headers, same signature.
 *
 * The SDK signs three headers of its own (`amz-sdk-invocation-id`, a random UUID; `amz-sdk-request`;
 * `x-amz-user-agent`). The connector sends none of them; here they are passed to it as call headers, copied
 * from the SDK's request, so both sign the same header set and a difference in the signature can only come
 * from the canonical request, the key derivation or the payload.
 */
import { ConverseCommand, ConverseStreamCommand, type ConverseCommandInput } from "@aws-sdk/client-bedrock-runtime";
import { createUndiciTransport } from "@modelmesh/cdk/node";
import type { ChatCompletionRequest } from "@modelmesh/core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createBedrockProvider } from "../src/index.js";
import { textStream } from "./support/eventstream-encode.js";
import { fixedClock, fixture, PNG_BASE64 } from "./support/fixtures.js";
import { startRecordingServer, type RecordedRequest, type RecordingServer } from "./support/recording-server.js";
import { AWS_CREDENTIALS, REGION, sdkClient } from "./support/sdk.js";

const NOW = Date.UTC(2026, 0, 15, 9, 30, 12);
const SDK_ONLY = ["amz-sdk-invocation-id", "amz-sdk-request", "x-amz-user-agent"] as const;
const SIGNED_PARTS = ["authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256", "content-length", "content-type"] as const;

let server: RecordingServer;
beforeAll(async () => {
  server = await startRecordingServer({ json: fixture("converse-text.json") });
});
afterAll(async () => server.close());
beforeEach(() => {
  vi.useFakeTimers({ now: NOW, toFake: ["Date"] });
});
afterEach(() => {
  vi.useRealTimers();
  server.requests.length = 0;
});

function provider(extras: Parameters<typeof createBedrockProvider>[1] = {}) {
  return createBedrockProvider(
    { region: REGION, base_url: server.url, access_key_id: AWS_CREDENTIALS.accessKeyId, secret_access_key: AWS_CREDENTIALS.secretAccessKey, session_token: AWS_CREDENTIALS.sessionToken },
    { clock: fixedClock(NOW), env: {}, ...extras },
  );
}

/** Sends through the SDK, then through the connector with the SDK's own extra headers; returns both recordings. */
async function both(sdkSend: () => Promise<unknown>, oursSend: (headers: Record<string, string>) => Promise<unknown>): Promise<[RecordedRequest, RecordedRequest]> {
  await sdkSend();
  const sdk = server.requests.at(-1)!;
  const extra = Object.fromEntries(SDK_ONLY.map((name) => [name, sdk.headers[name]!]));
  await oursSend(extra);
  const ours = server.requests.at(-1)!;
  expect(server.requests).toHaveLength(2);
  return [sdk, ours];
}

function expectSameRequest(sdk: RecordedRequest, ours: RecordedRequest): void {
  expect(ours.method).toBe(sdk.method);
  expect(ours.path).toBe(sdk.path);
  expect(ours.body).toEqual(sdk.body);
  // The payload hash and content-length are signed: the bytes must be the same, key order included.
  expect(ours.text).toBe(sdk.text);
  for (const name of SIGNED_PARTS) expect.soft(ours.headers[name], name).toBe(sdk.headers[name]);
  expect(sdk.headers["x-amz-date"]).toBe("20260115T093012Z");
  expect(sdk.headers["x-amz-security-token"]).toBe(AWS_CREDENTIALS.sessionToken);
}

async function converse(input: ConverseCommandInput, request: ChatCompletionRequest) {
  const client = sdkClient(server.url);
  const ours = provider();
  try {
    return await both(
      () => client.send(new ConverseCommand(input)),
      (headers) => ours.complete(request, { headers }),
    );
  } finally {
    client.destroy();
    await ours.close();
  }
}

describe("Converse requests: the SDK and the connector sign and send the same bytes", () => {
  it("a plain prompt with an inference profile id (':' → %3A in the path, %253A when signed)", async () => {
    const model = "us.anthropic.claude-3-7-sonnet-20250219-v1:0";
    const [sdk, ours] = await converse(
      { modelId: model, messages: [{ role: "user", content: [{ text: "Hello, Claude" }] }] },
      { model, messages: [{ role: "user", content: "Hello, Claude" }] },
    );
    expect(sdk.path).toBe("/model/us.anthropic.claude-3-7-sonnet-20250219-v1%3A0/converse");
    expectSameRequest(sdk, ours);
    expect(ours.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20260115\/us-east-1\/bedrock\/aws4_request, SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token;x-amz-user-agent, Signature=[0-9a-f]{64}$/);
  });

  it("system prompt, inference parameters, tools with a forced choice, tool calls and tool results", async () => {
    const model = "anthropic.claude-3-5-haiku-20241022-v1:0";
    const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
    const [sdk, ours] = await converse(
      {
        modelId: model,
        messages: [
          { role: "user", content: [{ text: "Weather in Paris?" }] },
          { role: "assistant", content: [{ text: "Checking." }, { toolUse: { toolUseId: "tooluse_1", name: "get_weather", input: { city: "Paris" } } }] },
          { role: "user", content: [{ toolResult: { toolUseId: "tooluse_1", content: [{ text: "18°C, sunny" }] } }, { text: "And tomorrow?" }] },
        ],
        system: [{ text: "You are terse." }, { text: "Use metric units." }],
        inferenceConfig: { maxTokens: 300, temperature: 0.2, topP: 0.9, stopSequences: ["END"] },
        toolConfig: { tools: [{ toolSpec: { name: "get_weather", description: "Current weather", inputSchema: { json: schema } } }], toolChoice: { tool: { name: "get_weather" } } },
      },
      {
        model,
        messages: [
          { role: "system", content: "You are terse." },
          { role: "user", content: "Weather in Paris?" },
          { role: "assistant", content: "Checking.", tool_calls: [{ id: "tooluse_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
          { role: "tool", tool_call_id: "tooluse_1", content: "18°C, sunny" },
          { role: "system", content: "Use metric units." },
          { role: "user", content: "And tomorrow?" },
        ],
        max_tokens: 300,
        temperature: 0.2,
        top_p: 0.9,
        stop: "END",
        tools: [{ type: "function", function: { name: "get_weather", description: "Current weather", parameters: schema } }],
        tool_choice: { type: "function", function: { name: "get_weather" } },
      },
    );
    expectSameRequest(sdk, ours);
  });

  it("image bytes from a data URL, required tool choice", async () => {
    const model = "amazon.nova-pro-v1:0";
    const [sdk, ours] = await converse(
      {
        modelId: model,
        messages: [{ role: "user", content: [{ text: "What is in this image?" }, { image: { format: "png", source: { bytes: Buffer.from(PNG_BASE64, "base64") } } }] }],
        toolConfig: { tools: [{ toolSpec: { name: "describe", inputSchema: { json: { type: "object", properties: {} } } } }], toolChoice: { any: {} } },
      },
      {
        model,
        messages: [{ role: "user", content: [{ type: "text", text: "What is in this image?" }, { type: "image_url", image_url: { url: `data:image/png;base64,${PNG_BASE64}` } }] }],
        tools: [{ type: "function", function: { name: "describe", parameters: { type: "object", properties: {} } } }],
        tool_choice: "required",
      },
    );
    expect(sdk.body.messages[0].content[1].image.source.bytes).toBe(PNG_BASE64);
    expectSameRequest(sdk, ours);
  });

  it("ConverseStream: same path, bytes and signature", async () => {
    server.reply({ frames: textStream(["Hi"]) });
    const model = "meta.llama3-3-70b-instruct-v1:0";
    const client = sdkClient(server.url);
    const ours = provider();
    try {
      const [sdk, mine] = await both(
        async () => {
          const out = await client.send(new ConverseStreamCommand({ modelId: model, messages: [{ role: "user", content: [{ text: "Stream please" }] }], inferenceConfig: { maxTokens: 64 } }));
          for await (const _ of out.stream!) void _;
        },
        async (headers) => {
          for await (const _ of ours.stream({ model, messages: [{ role: "user", content: "Stream please" }], max_tokens: 64 }, { headers })) void _;
        },
      );
      expect(sdk.path).toBe("/model/meta.llama3-3-70b-instruct-v1%3A0/converse-stream");
      expectSameRequest(sdk, mine);
    } finally {
      client.destroy();
      await ours.close();
      server.reply({ json: fixture("converse-text.json") });
    }
  });

  it("through cdk/node's undici transport (the mesh's default on Node) the signed content-length still holds", async () => {
    const model = "amazon.nova-lite-v1:0";
    const transport = createUndiciTransport();
    const client = sdkClient(server.url);
    const ours = provider({ transport });
    const text = "Ünïcödé bytes: 日本語 ✓";
    try {
      const [sdk, mine] = await both(
        () => client.send(new ConverseCommand({ modelId: model, messages: [{ role: "user", content: [{ text }] }] })),
        (headers) => ours.complete({ model, messages: [{ role: "user", content: text }] }, { headers }),
      );
      expectSameRequest(sdk, mine);
      expect(Number(mine.headers["content-length"])).toBe(Buffer.byteLength(mine.text));
    } finally {
      client.destroy();
      await ours.close();
      await (transport as { close?: () => Promise<void> }).close?.();
    }
  });

  it("without a session token neither side sends x-amz-security-token, and the signatures still agree", async () => {
    const model = "mistral.mistral-large-2407-v1:0";
    const client = sdkClient(server.url, { accessKeyId: AWS_CREDENTIALS.accessKeyId, secretAccessKey: AWS_CREDENTIALS.secretAccessKey });
    const ours = createBedrockProvider({ region: REGION, base_url: server.url, access_key_id: AWS_CREDENTIALS.accessKeyId, secret_access_key: AWS_CREDENTIALS.secretAccessKey }, { clock: fixedClock(NOW), env: {} });
    try {
      const [sdk, mine] = await both(
        () => client.send(new ConverseCommand({ modelId: model, messages: [{ role: "user", content: [{ text: "hi" }] }] })),
        (headers) => ours.complete({ model, messages: [{ role: "user", content: "hi" }] }, { headers }),
      );
      expect(sdk.headers["x-amz-security-token"]).toBeUndefined();
      expect(mine.headers["x-amz-security-token"]).toBeUndefined();
      expect(mine.headers.authorization).toBe(sdk.headers.authorization);
    } finally {
      client.destroy();
      await ours.close();
    }
  });
});
