import { ProviderError } from "@modelmesh/core";
import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCaptureServer, type CaptureServer } from "./support/capture-server.js";
import { fixture } from "./support/fixtures.js";
import { formView, pair, TEST_KEY, wireView } from "./support/pair.js";

/**
 * Paired fidelity beyond chat: embeddings, images, speech, transcription (multipart), model listing, and the
 * error envelopes both clients receive.
 */

let server: CaptureServer;
beforeAll(async () => {
  server = await startCaptureServer();
});
afterAll(() => server.close());

describe("paired media requests: official SDK vs openai.llm.v1", () => {
  it("13. embeddings with dimensions", async () => {
    // The SDK asks for base64 and decodes it itself when no encoding_format is given; with an explicit one it
    // sends the request as written, which is what our connector always does.
    const params = { model: "text-embedding-3-small", input: ["The food was delicious", "and the waiter..."], dimensions: 4, encoding_format: "float" as const, user: "u-1" };
    const result = await pair(
      server,
      { json: fixture("openai-embeddings") },
      (sdk) => sdk.embeddings.create(params),
      (ours) => ours.embed(params),
    );
    expect(wireView(result.ours)).toEqual(wireView(result.sdk));
    expect(result.ours).toMatchObject({ method: "POST", path: "/v1/embeddings", json: params });
    expect(result.ourResult).toEqual(JSON.parse(JSON.stringify(result.sdkResult)));
    expect(result.ourResult.data[1]!.embedding).toHaveLength(4);
  });

  it("14. image generation", async () => {
    const params = { model: "gpt-image-1", prompt: "A small red square", n: 1, size: "1024x1024", quality: "high", background: "transparent", output_format: "png" } as const;
    const result = await pair(
      server,
      { json: fixture("openai-images") },
      (sdk) => sdk.images.generate(params),
      (ours) => ours.generateImage(params),
    );
    expect(wireView(result.ours)).toEqual(wireView(result.sdk));
    expect(result.ours.path).toBe("/v1/images/generations");
    expect(result.ourResult).toEqual(JSON.parse(JSON.stringify(result.sdkResult)));
  });

  it("15. audio speech returns the same bytes", async () => {
    const audio = new Uint8Array([0x49, 0x44, 0x33, 0x04, 0x00, 0xff, 0xfb, 0x90]);
    const params = { model: "tts-1", input: "Today is a wonderful day.", voice: "alloy", response_format: "mp3", speed: 1.25, instructions: "Cheerful." } as const;
    const result = await pair(
      server,
      { bytes: audio, contentType: "audio/mpeg" },
      async (sdk) => new Uint8Array(await (await sdk.audio.speech.create(params)).arrayBuffer()),
      (ours) => ours.speech(params),
    );
    expect(wireView(result.ours)).toEqual(wireView(result.sdk));
    expect(result.ours.path).toBe("/v1/audio/speech");
    expect(result.ourResult.audio).toEqual(result.sdkResult);
    expect(result.ourResult.contentType).toBe("audio/mpeg");
  });

  it("16. transcription: same multipart fields and file bytes (arrays as key[])", async () => {
    const bytes = new Uint8Array([82, 73, 70, 70, 36, 0, 0, 0, 87, 65, 86, 69, 0, 1, 2, 3, 250, 251]);
    const fields = { model: "whisper-1", language: "en", prompt: "A beach.", temperature: 0, response_format: "verbose_json" as const, timestamp_granularities: ["word", "segment"] as Array<"word" | "segment"> };
    const result = await pair(
      server,
      { json: fixture("openai-transcription-verbose") },
      async (sdk) => sdk.audio.transcriptions.create({ ...fields, file: await toFile(bytes, "speech.wav") }),
      (ours) => ours.transcribe({ ...fields, file: bytes, filename: "speech.wav" }),
    );
    expect(wireView(result.ours)).toEqual(wireView(result.sdk));
    expect(result.ours.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    const ourForm = await formView(result.ours.form);
    expect(ourForm).toEqual(await formView(result.sdk.form));
    expect(ourForm).toContainEqual(["timestamp_granularities[]", "segment"]);
    expect(ourForm).toContainEqual(["file", { filename: "speech.wav", type: "application/octet-stream", bytes: [...bytes] }]);
    expect(result.ourResult).toEqual(JSON.parse(JSON.stringify(result.sdkResult)));
  });

  it("17. model listing: GET /models, merged with the catalogue", async () => {
    const result = await pair(
      server,
      { json: fixture("openai-models") },
      async (sdk) => {
        const ids: string[] = [];
        for await (const model of sdk.models.list()) ids.push(model.id);
        return ids;
      },
      (ours) => ours.discoverModels(),
    );
    expect({ method: result.ours.method, path: result.ours.path, auth: result.ours.headers.authorization }).toEqual({ method: result.sdk.method, path: result.sdk.path, auth: result.sdk.headers.authorization });
    expect(result.ours).toMatchObject({ method: "GET", path: "/v1/models" });
    expect(result.ourResult.map((model) => model.id)).toEqual(result.sdkResult);
    const byId = new Map(result.ourResult.map((model) => [model.id, model]));
    // Known ids keep the catalogue's data; unknown ones get capabilities inferred from the id.
    expect(byId.get("gpt-4o-mini")).toMatchObject({ contextWindow: 128_000, pricing: { inputPerMillion: 0.15 } });
    expect(byId.get("gpt-4o-mini-tts")!.capabilities).toEqual(["generation.audio-generation.text-to-speech"]);
    expect(byId.get("gpt-4o-transcribe")!.capabilities).toEqual(["understanding.audio-understanding.speech-to-text"]);
    expect(byId.get("omni-moderation-latest")!.capabilities).toEqual([]);
    expect(byId.get("gpt-5-nano")!.capabilities).toEqual(["generation.text-generation.chat-completion"]);
  });
});

describe("paired error envelopes: what the SDK raises vs how openai.llm.v1 classifies", () => {
  const cases = [
    { n: 18, name: "insufficient_quota 429 is quota_exhausted, not a rate limit", status: 429, body: fixture("openai-error-insufficient-quota"), headers: {}, category: "quota_exhausted", retryable: false, sdkClass: OpenAI.RateLimitError },
    {
      n: 19,
      name: "rate_limit_exceeded 429 is rate_limit; retry-after-ms wins over Retry-After",
      status: 429,
      body: fixture("openai-error-rate-limit"),
      headers: { "retry-after": "1", "retry-after-ms": "210", "x-ratelimit-limit-tokens": "200000", "x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "210ms" },
      category: "rate_limit",
      retryable: true,
      retryAfterMs: 210,
      sdkClass: OpenAI.RateLimitError,
    },
    { n: 20, name: "context_length_exceeded 400 is context_length", status: 400, body: fixture("openai-error-context-length"), headers: {}, category: "context_length", retryable: false, sdkClass: OpenAI.BadRequestError },
  ] as const;

  for (const testCase of cases) {
    it(`${testCase.n}. ${testCase.name}`, async () => {
      const params = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "hi" }] };
      const result = await pair(
        server,
        { status: testCase.status, json: testCase.body, headers: testCase.headers },
        (sdk) => sdk.chat.completions.create(params).then(() => undefined, (error: unknown) => error),
        (ours) => ours.complete(params).then(() => undefined, (error: unknown) => error),
      );
      expect(wireView(result.ours)).toEqual(wireView(result.sdk));
      const sdkError = result.sdkResult as InstanceType<typeof OpenAI.APIError>;
      expect(sdkError).toBeInstanceOf(testCase.sdkClass);
      expect(sdkError.status).toBe(testCase.status);
      const ours = result.ourResult as ProviderError;
      expect(ProviderError.is(ours)).toBe(true);
      expect(ours).toMatchObject({ status: testCase.status, category: testCase.category, retryable: testCase.retryable, provider: "openai", model: "gpt-4o-mini" });
      expect(ours.metadata.upstreamCode).toBe(sdkError.code);
      if ("retryAfterMs" in testCase) expect(ours.retryAfterMs).toBe(testCase.retryAfterMs);
      expect(ours.message).not.toContain(TEST_KEY);
    });
  }
});
