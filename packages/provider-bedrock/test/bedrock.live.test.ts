/**
 * Live checks against AWS Bedrock: one chat and one stream. Skipped (reported as skipped) unless AWS
 * credentials (AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY, or AWS_BEARER_TOKEN_BEDROCK) and a region are set;
 * never part of the default run's pass/fail. BEDROCK_LIVE_MODEL picks the model (default Nova Micro).
 */
import type { ChatCompletionChunk } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { createBedrockProvider } from "../src/index.js";

const env = process.env;
const HAS_CREDENTIALS = Boolean((env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) || env.AWS_BEARER_TOKEN_BEDROCK);
const HAS_REGION = Boolean(env.AWS_REGION || env.AWS_DEFAULT_REGION);
const MODEL = env.BEDROCK_LIVE_MODEL ?? "amazon.nova-micro-v1:0";
const TIMEOUTS = { connectMs: 15_000, firstTokenMs: 30_000, idleMs: 30_000 };

describe.skipIf(!HAS_CREDENTIALS || !HAS_REGION)("aws.bedrock.v1 live (Bedrock runtime)", () => {
  it("chat: a short answer with usage", async () => {
    const bedrock = createBedrockProvider({}, { env });
    try {
      const completion = await bedrock.complete({ model: MODEL, max_tokens: 32, messages: [{ role: "system", content: "Answer with one word." }, { role: "user", content: "Say hello." }] }, { timeouts: TIMEOUTS });
      expect(completion.choices[0]!.message.content).toMatch(/\w/);
      expect(completion.choices[0]!.finish_reason).toMatch(/stop|length/);
      expect(completion.usage!.prompt_tokens).toBeGreaterThan(0);
    } finally {
      await bedrock.close();
    }
  }, 60_000);

  it("stream: content deltas, one finish reason, a final usage chunk", async () => {
    const bedrock = createBedrockProvider({}, { env });
    try {
      const chunks: ChatCompletionChunk[] = [];
      for await (const chunk of bedrock.stream({ model: MODEL, max_tokens: 32, messages: [{ role: "user", content: "Count from 1 to 5." }] }, { timeouts: TIMEOUTS })) chunks.push(chunk);
      expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toMatch(/1/);
      expect(chunks.flatMap((chunk) => chunk.choices).filter((choice) => choice.finish_reason != null)).toHaveLength(1);
      expect(chunks.at(-1)!.usage!.completion_tokens).toBeGreaterThan(0);
    } finally {
      await bedrock.close();
    }
  }, 60_000);
});
