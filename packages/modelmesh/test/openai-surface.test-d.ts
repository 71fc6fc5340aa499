/**
 * MeshClient is assignable wherever code expects the `openai` package's client surface for chat, streaming,
 * embeddings, images, audio and models. The surface type is built from the SDK's own param and result types,
 * and the SDK's client is checked against it too, so the test cannot pass on a wrong surface.
 */
import OpenAI from "openai";
import { expectTypeOf, test } from "vitest";
import type { MeshClient } from "../src/index.js";

/** What application code written for `new OpenAI()` relies on (APIPromise is nominal, so PromiseLike). */
interface OpenAISurface {
  chat: {
    completions: {
      create(body: OpenAI.ChatCompletionCreateParamsNonStreaming): PromiseLike<OpenAI.ChatCompletion>;
      create(body: OpenAI.ChatCompletionCreateParamsStreaming): PromiseLike<AsyncIterable<OpenAI.ChatCompletionChunk>>;
    };
  };
  embeddings: { create(body: OpenAI.EmbeddingCreateParams): PromiseLike<OpenAI.CreateEmbeddingResponse> };
  images: { generate(body: OpenAI.ImageGenerateParamsNonStreaming): PromiseLike<OpenAI.ImagesResponse> };
  audio: {
    speech: { create(body: OpenAI.Audio.SpeechCreateParams): PromiseLike<Response> };
    transcriptions: { create(body: OpenAI.Audio.TranscriptionCreateParamsNonStreaming<"json">): PromiseLike<OpenAI.Audio.Transcription> };
  };
}

test("the SDK's own client satisfies the surface (the surface is faithful)", () => {
  expectTypeOf<OpenAI>().toExtend<OpenAISurface>();
});

test("MeshClient satisfies the same surface", () => {
  expectTypeOf<MeshClient>().toExtend<OpenAISurface>();
});

test("stream: true narrows to an async iterable of chunks; otherwise a completion", () => {
  type Create = MeshClient["chat"]["completions"]["create"];
  expectTypeOf<ReturnType<Extract<Create, (b: { stream: true }) => unknown>>>().not.toBeAny();
  const client = {} as MeshClient;
  const params: OpenAI.ChatCompletionCreateParamsStreaming = { model: "chat-completion", messages: [], stream: true };
  expectTypeOf(client.chat.completions.create(params)).resolves.toExtend<AsyncIterable<OpenAI.ChatCompletionChunk>>();
  const plain: OpenAI.ChatCompletionCreateParamsNonStreaming = { model: "chat-completion", messages: [] };
  expectTypeOf(client.chat.completions.create(plain)).resolves.toExtend<OpenAI.ChatCompletion>();
});
