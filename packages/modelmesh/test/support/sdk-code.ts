/**
 * Test code written for the official `openai` SDK, used unchanged against `new OpenAI()` and MeshClient.
 * It is typed against the SDK's own types only.
 */
import type OpenAI from "openai";
import { expect } from "vitest";

/** The part of the SDK's client this code uses. */
export interface ChatAndEmbeddings {
  chat: {
    completions: {
      create(body: OpenAI.ChatCompletionCreateParamsNonStreaming): PromiseLike<OpenAI.ChatCompletion>;
      create(body: OpenAI.ChatCompletionCreateParamsStreaming): PromiseLike<AsyncIterable<OpenAI.ChatCompletionChunk>>;
    };
  };
  embeddings: { create(body: OpenAI.EmbeddingCreateParams): PromiseLike<OpenAI.CreateEmbeddingResponse> };
}

export async function sdkChat(client: ChatAndEmbeddings, model: string): Promise<OpenAI.ChatCompletion> {
  const completion = await client.chat.completions.create({
    model,
    messages: [
      { role: "system", content: "You are terse." },
      { role: "user", content: "say hello world" },
    ],
    temperature: 0,
    max_tokens: 50,
  });
  expect(completion.object).toBe("chat.completion");
  expect(completion.choices[0]!.message.role).toBe("assistant");
  expect(completion.choices[0]!.message.content).toBe("echo: say hello world");
  expect(completion.choices[0]!.finish_reason).toBe("stop");
  expect(completion.usage!.total_tokens).toBe(completion.usage!.prompt_tokens + completion.usage!.completion_tokens);
  return completion;
}

export async function sdkStream(client: ChatAndEmbeddings, model: string): Promise<string> {
  const stream = await client.chat.completions.create({
    model,
    messages: [{ role: "user", content: "stream these words please" }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = "";
  let finish: string | null = null;
  let usage: OpenAI.CompletionUsage | null | undefined;
  for await (const chunk of stream) {
    expect(chunk.object).toBe("chat.completion.chunk");
    text += chunk.choices[0]?.delta?.content ?? "";
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (chunk.usage) usage = chunk.usage;
  }
  expect(text).toBe("echo: stream these words please");
  expect(finish).toBe("stop");
  expect(usage?.completion_tokens).toBeGreaterThan(0);
  return text;
}

export async function sdkEmbeddings(client: ChatAndEmbeddings, model: string): Promise<number[]> {
  const response = await client.embeddings.create({ model, input: ["first text", "second text"], encoding_format: "float" });
  expect(response.object).toBe("list");
  expect(response.data).toHaveLength(2);
  expect(response.data[0]!.embedding.length).toBeGreaterThan(0);
  expect(response.data[0]!.embedding).not.toEqual(response.data[1]!.embedding);
  return response.data[0]!.embedding;
}
