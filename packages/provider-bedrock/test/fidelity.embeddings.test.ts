/**
 * Embeddings fidelity against the official AWS SDK's `InvokeModelCommand`: for Titan and Cohere embedding
 * models the SDK and this connector send the same bytes with the same SigV4 signature, and read the same
 * vectors from the same response bodies (written from the models' documented formats).
 */
import { InvokeModelCommand } from "@aws-sdk/client-bedrock-runtime";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createBedrockProvider } from "../src/index.js";
import { fixedClock } from "./support/fixtures.js";
import { startRecordingServer, type RecordedRequest, type RecordingServer } from "./support/recording-server.js";
import { AWS_CREDENTIALS, REGION, sdkClient } from "./support/sdk.js";

const NOW = Date.UTC(2026, 2, 3, 4, 5, 6);
const SDK_ONLY = ["amz-sdk-invocation-id", "amz-sdk-request", "x-amz-user-agent"] as const;

let server: RecordingServer;
beforeAll(async () => {
  server = await startRecordingServer();
});
afterAll(async () => server.close());
beforeEach(() => {
  vi.useFakeTimers({ now: NOW, toFake: ["Date"] });
});
afterEach(() => {
  vi.useRealTimers();
  server.requests.length = 0;
});

function provider() {
  return createBedrockProvider(
    { region: REGION, base_url: server.url, access_key_id: AWS_CREDENTIALS.accessKeyId, secret_access_key: AWS_CREDENTIALS.secretAccessKey, session_token: AWS_CREDENTIALS.sessionToken },
    { clock: fixedClock(NOW), env: {} },
  );
}

async function sdkInvoke(modelId: string, body: unknown): Promise<{ request: RecordedRequest; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const client = sdkClient(server.url);
  try {
    const out = await client.send(new InvokeModelCommand({ modelId, contentType: "application/json", accept: "application/json", body: JSON.stringify(body) }));
    return { request: server.requests.at(-1)!, json: JSON.parse(new TextDecoder().decode(out.body)) };
  } finally {
    client.destroy();
  }
}

function expectSameRequest(sdk: RecordedRequest, ours: RecordedRequest) {
  expect(ours.method).toBe(sdk.method);
  expect(ours.path).toBe(sdk.path);
  expect(ours.text).toBe(sdk.text);
  for (const name of ["authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256", "content-length", "content-type", "accept"]) expect.soft(ours.headers[name], name).toBe(sdk.headers[name]);
}

describe("InvokeModel embeddings: the SDK and the connector agree", () => {
  it("Titan Text Embeddings v2: same signed request per input, same vector, token count as usage", async () => {
    const model = "amazon.titan-embed-text-v2:0";
    const answer = { embedding: [0.125, -0.5, 0.25], inputTextTokenCount: 4, embeddingsByType: { float: [0.125, -0.5, 0.25] } };
    server.reply({ json: answer, headers: { "x-amzn-bedrock-input-token-count": "4" } });
    const sdk = await sdkInvoke(model, { inputText: "hello embeddings", dimensions: 256 });
    const ours = provider();
    const headers = Object.fromEntries(SDK_ONLY.map((name) => [name, sdk.request.headers[name]!]));
    const result = await ours.embed({ model, input: "hello embeddings", dimensions: 256 }, { headers });
    expect(sdk.request.path).toBe("/model/amazon.titan-embed-text-v2%3A0/invoke");
    expectSameRequest(sdk.request, server.requests.at(-1)!);
    expect(result.data).toEqual([{ object: "embedding", index: 0, embedding: sdk.json.embedding }]);
    expect(result.usage).toEqual({ prompt_tokens: sdk.json.inputTextTokenCount, total_tokens: sdk.json.inputTextTokenCount });
    await ours.close();
  });

  it("Cohere Embed v3: one call for all inputs, vectors in order, usage from the token-count header", async () => {
    const model = "cohere.embed-english-v3";
    const answer = { id: "emb-1", texts: ["a", "b"], embeddings: [[0.1, 0.2], [0.3, 0.4]], response_type: "embeddings_floats" };
    server.reply({ json: answer, headers: { "x-amzn-bedrock-input-token-count": "7" } });
    const sdk = await sdkInvoke(model, { texts: ["a", "b"], input_type: "search_query" });
    const ours = provider();
    const headers = Object.fromEntries(SDK_ONLY.map((name) => [name, sdk.request.headers[name]!]));
    const result = await ours.embed({ model, input: ["a", "b"], input_type: "search_query" }, { headers });
    expectSameRequest(sdk.request, server.requests.at(-1)!);
    expect(result.data.map((item) => item.embedding)).toEqual(sdk.json.embeddings);
    expect(result.usage.prompt_tokens).toBe(7);
    await ours.close();
  });
});

describe("embeddings through the connector", () => {
  it("several Titan inputs: one call each, vectors in input order", async () => {
    server.reply((request) => ({ json: { embedding: [request.body.inputText.length], inputTextTokenCount: 2 } }));
    const ours = provider();
    const result = await ours.embed({ model: "amazon.titan-embed-text-v2:0", input: ["a", "bbb", "cc"] });
    expect(result.data.map((item) => item.embedding)).toEqual([[1], [3], [2]]);
    expect(result.usage.prompt_tokens).toBe(6);
    expect(server.requests).toHaveLength(3);
    await ours.close();
  });

  it("refuses what the families cannot take, before sending", async () => {
    const ours = provider();
    await expect(ours.embed({ model: "amazon.nova-pro-v1:0", input: "x" })).rejects.toMatchObject({ code: "MM_INVALID_REQUEST", message: expect.stringContaining("not an embedding model") });
    await expect(ours.embed({ model: "amazon.titan-embed-text-v2:0", input: [[1, 2]] })).rejects.toMatchObject({ message: expect.stringContaining("token-array") });
    await expect(ours.embed({ model: "cohere.embed-english-v3", input: Array.from({ length: 97 }, () => "x") })).rejects.toMatchObject({ message: expect.stringContaining("96") });
    await expect(ours.embed({ model: "amazon.titan-embed-text-v1", input: "x", dimensions: 256 })).rejects.toMatchObject({ message: expect.stringContaining("dimensions") });
    expect(server.requests).toHaveLength(0);
    await ours.close();
  });

  it("a response without vectors is an invalid response", async () => {
    server.reply({ json: { embeddings: [[0.1]] } });
    const ours = provider();
    await expect(ours.embed({ model: "cohere.embed-english-v3", input: ["a", "b"] })).rejects.toMatchObject({ code: "MM_INVALID_RESPONSE" });
    await ours.close();
  });
});
