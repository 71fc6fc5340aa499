/**
 * Response fidelity against the official AWS SDK: Converse bodies (fixtures written from the Bedrock API
 * reference), ConverseStream event streams (encoded in the test) and errors are answered by one recording
 * server to the SDK and to this connector; both must read the same text, tool calls, stop reason and usage,
 * and classify errors the same way.
 */
import { ConverseCommand, ConverseStreamCommand, type ConverseCommandOutput } from "@aws-sdk/client-bedrock-runtime";
import type { ChatCompletionChunk } from "@modelmesh/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBedrockProvider, type BedrockProvider } from "../src/index.js";
import { concat, event, exception, textStream, toolStream } from "./support/eventstream-encode.js";
import { fixture } from "./support/fixtures.js";
import { startRecordingServer, type CannedReply, type RecordingServer } from "./support/recording-server.js";
import { AWS_CREDENTIALS, REGION, sdkClient } from "./support/sdk.js";

const MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0";
const FINISH: Record<string, string> = { end_turn: "stop", stop_sequence: "stop", max_tokens: "length", tool_use: "tool_calls", guardrail_intervened: "content_filter", content_filtered: "content_filter" };

let server: RecordingServer;
let ours: BedrockProvider;
beforeAll(async () => {
  server = await startRecordingServer();
  ours = createBedrockProvider({ region: REGION, base_url: server.url, access_key_id: AWS_CREDENTIALS.accessKeyId, secret_access_key: AWS_CREDENTIALS.secretAccessKey }, { env: {} });
});
afterAll(async () => {
  await ours.close();
  await server.close();
});

async function viaSdk<T>(reply: CannedReply, send: (client: ReturnType<typeof sdkClient>) => Promise<T>): Promise<T> {
  server.reply(reply);
  const client = sdkClient(server.url);
  try {
    return await send(client);
  } finally {
    client.destroy();
  }
}

function sdkText(output: ConverseCommandOutput): string {
  return (output.output?.message?.content ?? []).map((block) => block.text ?? "").join("");
}

describe("Converse responses: the SDK and the connector read the same answer", () => {
  for (const name of ["converse-text.json", "converse-tool-use.json", "converse-max-tokens.json", "converse-guardrail.json", "converse-cache.json"]) {
    it(name, async () => {
      const body = fixture(name);
      const sdk = await viaSdk({ json: body }, (client) => client.send(new ConverseCommand({ modelId: MODEL, messages: [{ role: "user", content: [{ text: "q" }] }] })));
      server.reply({ json: body });
      const mine = await ours.complete({ model: MODEL, messages: [{ role: "user", content: "q" }] });
      const choice = mine.choices[0]!;
      const sdkTools = (sdk.output?.message?.content ?? []).filter((block) => block.toolUse).map((block) => block.toolUse!);
      expect(choice.message.content ?? "").toBe(sdkTools.length > 0 && sdkText(sdk) === "" ? "" : sdkText(sdk));
      expect((choice.message.tool_calls ?? []).map((call) => ({ toolUseId: call.id, name: call.function.name, input: JSON.parse(call.function.arguments) }))).toEqual(
        sdkTools.map((tool) => ({ toolUseId: tool.toolUseId, name: tool.name, input: tool.input })),
      );
      expect(choice.finish_reason).toBe(FINISH[sdk.stopReason!]);
      const cached = sdk.usage!.cacheReadInputTokens ?? 0;
      const prompt = sdk.usage!.inputTokens! + cached + (sdk.usage!.cacheWriteInputTokens ?? 0);
      expect(mine.usage).toMatchObject({ prompt_tokens: prompt, completion_tokens: sdk.usage!.outputTokens, total_tokens: prompt + sdk.usage!.outputTokens! });
      if (cached > 0) expect(mine.usage!.prompt_tokens_details?.cached_tokens).toBe(cached);
      else expect(mine.usage!.total_tokens).toBe(sdk.usage!.totalTokens);
    });
  }
});

/** Reads a ConverseStream through the SDK into text, tool calls, stop reason and usage. */
async function sdkStream(frames: Uint8Array[]) {
  return viaSdk({ frames }, async (client) => {
    const out = await client.send(new ConverseStreamCommand({ modelId: MODEL, messages: [{ role: "user", content: [{ text: "q" }] }] }));
    let text = "";
    const tools: Array<{ id: string; name: string; input: string }> = [];
    const byBlock = new Map<number, number>();
    let stopReason: string | undefined;
    let usage: { inputTokens?: number; outputTokens?: number; totalTokens?: number } | undefined;
    for await (const item of out.stream!) {
      if (item.contentBlockStart?.start?.toolUse) {
        byBlock.set(item.contentBlockStart.contentBlockIndex!, tools.length);
        tools.push({ id: item.contentBlockStart.start.toolUse.toolUseId!, name: item.contentBlockStart.start.toolUse.name!, input: "" });
      }
      if (item.contentBlockDelta?.delta?.text) text += item.contentBlockDelta.delta.text;
      if (item.contentBlockDelta?.delta?.toolUse) tools[byBlock.get(item.contentBlockDelta.contentBlockIndex!)!]!.input += item.contentBlockDelta.delta.toolUse.input ?? "";
      if (item.messageStop) stopReason = item.messageStop.stopReason;
      if (item.metadata) usage = item.metadata.usage;
    }
    return { text, tools, stopReason, usage };
  });
}

async function ourStream(frames: Uint8Array[]) {
  server.reply({ frames });
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of ours.stream({ model: MODEL, messages: [{ role: "user", content: "q" }] })) chunks.push(chunk);
  const tools: Array<{ id: string; name: string; input: string }> = [];
  for (const chunk of chunks) {
    for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
      const call = (tools[delta.index] ??= { id: "", name: "", input: "" });
      if (delta.id) call.id = delta.id;
      if (delta.function?.name) call.name += delta.function.name;
      if (delta.function?.arguments) call.input += delta.function.arguments;
    }
  }
  return {
    chunks,
    text: chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join(""),
    tools,
    finishes: chunks.flatMap((chunk) => chunk.choices).map((choice) => choice.finish_reason).filter((reason) => reason != null),
    usage: chunks.at(-1)?.usage,
  };
}

describe("ConverseStream: the SDK and the connector decode the same event stream", () => {
  it("text deltas, stop reason and usage", async () => {
    const frames = textStream(["Hel", "lo, ", "wörld ✓"]);
    const sdk = await sdkStream(frames);
    const mine = await ourStream(frames);
    expect(mine.text).toBe(sdk.text);
    expect(sdk.text).toBe("Hello, wörld ✓");
    expect(mine.finishes).toEqual([FINISH[sdk.stopReason!]]);
    expect(mine.usage).toEqual({ prompt_tokens: sdk.usage!.inputTokens, completion_tokens: sdk.usage!.outputTokens, total_tokens: sdk.usage!.totalTokens });
    expect(mine.chunks.at(-1)!.choices).toEqual([]);
  });

  it("tool use: the call's id, name and reassembled input", async () => {
    const frames = toolStream();
    const sdk = await sdkStream(frames);
    const mine = await ourStream(frames);
    expect(mine.text).toBe(sdk.text);
    expect(mine.tools).toEqual(sdk.tools);
    expect(JSON.parse(mine.tools[0]!.input)).toEqual({ city: "Paris" });
    expect(mine.finishes).toEqual(["tool_calls"]);
    expect(sdk.stopReason).toBe("tool_use");
    expect(mine.usage?.total_tokens).toBe(sdk.usage?.totalTokens);
  });

  it("the whole stream in one chunk decodes the same as frame by frame", async () => {
    const frames = [concat(...textStream(["a", "b", "c"]))];
    const sdk = await sdkStream(frames);
    const mine = await ourStream(frames);
    expect(mine.text).toBe(sdk.text);
    expect(mine.text).toBe("abc");
  });

  for (const [type, category, retryable] of [
    ["throttlingException", "rate_limit", true],
    ["modelStreamErrorException", "server", true],
    ["validationException", "invalid_request", false],
    ["serviceUnavailableException", "server", true],
    ["internalServerException", "server", true],
  ] as const) {
    it(`an exception frame (${type}) mid-stream: errors of the same kind`, async () => {
      const frames = [event("messageStart", { role: "assistant" }), event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "par" } }), exception(type, `the ${type} message`)];
      const sdkError = await sdkStream(frames).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect((sdkError as Error).name).toBe(type[0]!.toUpperCase() + type.slice(1));
      const mine = await ourStream(frames).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(mine).toMatchObject({ category, retryable, metadata: { upstreamCode: (sdkError as Error).name } });
      // The SDK's error, classified by this provider, lands in the same category.
      expect(ours.classifyError(sdkError)).toMatchObject({ category, retryable });
    });
  }
});

describe("HTTP errors: the SDK's exception and the connector's error agree", () => {
  const table = fixture<{ cases: Array<{ type: string; status: number; message: string; category: string; retryable: boolean }> }>("errors.json").cases;
  for (const entry of table) {
    it(`${entry.status} ${entry.type}${entry.category === "context_length" ? " (context length wording)" : ""} → ${entry.category}`, async () => {
      const reply: CannedReply = { status: entry.status, headers: { "x-amzn-errortype": `${entry.type}:http://internal.amazon.com/coral/com.amazon.bedrock/` }, json: { message: entry.message } };
      const sdkError = await viaSdk(reply, (client) => client.send(new ConverseCommand({ modelId: MODEL, messages: [{ role: "user", content: [{ text: "q" }] }] }))).then(
        () => undefined,
        (error: unknown) => error as Error & { $metadata: { httpStatusCode: number } },
      );
      expect(sdkError?.name).toBe(entry.type);
      expect(sdkError?.$metadata.httpStatusCode).toBe(entry.status);
      server.reply(reply);
      const mine = await ours.complete({ model: MODEL, messages: [{ role: "user", content: "q" }] }).catch((error: unknown) => error);
      expect(mine).toMatchObject({ category: entry.category, retryable: entry.retryable, status: entry.status, metadata: { upstreamCode: entry.type } });
      expect(ours.classifyError(sdkError)).toMatchObject({ category: entry.category, retryable: entry.retryable });
    });
  }

  it("the exception type in the body's __type (no header) is read the same way", async () => {
    const reply: CannedReply = { status: 400, json: { __type: "com.amazon.coral.validate#ValidationException", message: "1 validation error detected" } };
    const sdkError = await viaSdk(reply, (client) => client.send(new ConverseCommand({ modelId: MODEL, messages: [{ role: "user", content: [{ text: "q" }] }] }))).catch((error: Error) => error);
    expect((sdkError as Error).name).toBe("ValidationException");
    server.reply(reply);
    const mine = await ours.complete({ model: MODEL, messages: [{ role: "user", content: "q" }] }).catch((error: unknown) => error);
    expect(mine).toMatchObject({ category: "invalid_request", metadata: { upstreamCode: "ValidationException" } });
  });
});
