/** Happy-path execution: complete, stream reassembly, usage, rate-limit headers through `onResponse`, tools, embeddings. */
import type { ChatCompletionChunk, ChatToolCall, ProviderConnectorV1, ResponseMeta } from "@modelmesh/core";
import { check, equal, sameJson, show, within } from "../assert.js";
import type { ProviderCheck } from "./contract-checks.js";
import { callOptions, chatRequest, collect, expectedUsage, PROMPT, RATE_LIMIT, REPLY, TOOL_ARGUMENTS, TOOL_NAME, toolRequest, withProvider } from "./environment.js";
import type { ProviderCheckContext } from "./types.js";

/** Asserts the last chat call the mock saw carried the suite's model and prompt. */
function checkSentRequest(context: ProviderCheckContext, stream: boolean): void {
  const calls = context.mock.calls.filter((call) => call.path.endsWith("/chat/completions"));
  const last = calls.at(-1);
  check(last !== undefined, "no chat request reached the upstream");
  equal(last.model, context.model, "model sent upstream");
  check(JSON.stringify(last.body).includes(PROMPT), `the prompt must reach the upstream; the body was ${show(last.body)}`);
  equal(last.stream, stream, "stream flag sent upstream");
}

/** Reads a stream fully (bounded) and fails if it threw. */
async function readStream(provider: ProviderConnectorV1, request = chatRequest("")) {
  const result = await within(collect(provider.stream(request, callOptions())), 8_000, "reading the stream");
  check(result.error === undefined, `the stream must end cleanly, it threw ${show(result.error)}`);
  for (const chunk of result.chunks) equal(chunk.object, "chat.completion.chunk", "object of every chunk");
  return result;
}

/** Reassembles streamed tool calls by index. */
function reassembleToolCalls(chunks: readonly ChatCompletionChunk[]): Array<{ id?: string; name: string; arguments: string }> {
  const calls: Array<{ id?: string; name: string; arguments: string }> = [];
  for (const chunk of chunks) {
    for (const delta of chunk.choices?.[0]?.delta?.tool_calls ?? []) {
      const call = (calls[delta.index] ??= { name: "", arguments: "" });
      if (delta.id) call.id = delta.id;
      if (delta.function?.name) call.name += delta.function.name;
      if (delta.function?.arguments) call.arguments += delta.function.arguments;
    }
  }
  return calls.filter(Boolean);
}

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The execution checks. */
export const providerExecutionChecks: readonly ProviderCheck[] = [
  {
    name: "complete returns the upstream answer with usage",
    group: "execution",
    run: (context) =>
      withProvider(context, async (provider) => {
        const completion = await within(provider.complete(chatRequest(context.model), callOptions()), 8_000, "complete()");
        equal(completion?.object, "chat.completion", "completion.object");
        check(typeof completion.id === "string", `completion.id must be a string, got ${show(completion.id)}`);
        const choice = completion.choices?.[0];
        equal(choice?.message?.role, "assistant", "choices[0].message.role");
        equal(choice?.message?.content, REPLY, "choices[0].message.content");
        equal(choice?.finish_reason, "stop", "choices[0].finish_reason");
        sameJson(pickUsage(completion.usage), expectedUsage(context), "completion.usage (as the upstream reported it)");
        checkSentRequest(context, false);
      }),
  },
  {
    name: "x-ratelimit-* response headers reach onResponse as rateLimit",
    group: "execution",
    requires: ["rateLimitHeaders"],
    run: (context) =>
      withProvider(context, async (provider) => {
        const metas: ResponseMeta[] = [];
        await within(provider.complete(chatRequest(context.model), callOptions({ onResponse: (meta) => metas.push(meta) })), 8_000, "complete()");
        check(metas.length > 0, "complete() must report the upstream response through options.onResponse (the router learns limits from it)");
        const meta = metas.at(-1)!;
        equal(meta.status, 200, "onResponse status");
        const limits = meta.rateLimit;
        equal(limits?.limitRequests, RATE_LIMIT.limitRequests, "onResponse rateLimit.limitRequests");
        equal(limits?.limitTokens, RATE_LIMIT.limitTokens, "onResponse rateLimit.limitTokens");
        check(typeof limits?.remainingRequests === "number" && limits.remainingRequests < RATE_LIMIT.remainingRequests, `onResponse rateLimit.remainingRequests must be read from the response, got ${show(limits?.remainingRequests)}`);
      }),
  },
  {
    name: "stream reassembles to the same answer and ends after its finish_reason",
    group: "execution",
    requires: ["stream"],
    run: (context) =>
      withProvider(context, async (provider) => {
        const result = await readStream(provider, chatRequest(context.model));
        equal(result.text, REPLY, "concatenated content deltas");
        const finishes = result.chunks.flatMap((chunk) => chunk.choices ?? []).map((choice) => choice.finish_reason).filter((reason) => reason != null);
        sameJson(finishes, ["stop"], "finish reasons seen in the stream");
        checkSentRequest(context, true);
      }),
  },
  {
    name: "stream reports the upstream usage in its final usage chunk",
    group: "execution",
    requires: ["stream", "streamUsage"],
    run: (context) =>
      withProvider(context, async (provider) => {
        const result = await readStream(provider, chatRequest(context.model));
        const usage = result.chunks.map((chunk) => chunk.usage).filter((u) => u != null).at(-1);
        sameJson(pickUsage(usage), expectedUsage(context), "usage of the stream's final usage chunk");
      }),
  },
  {
    name: "complete returns tool calls",
    group: "execution",
    requires: ["tools"],
    run: (context) =>
      withProvider(context, async (provider) => {
        const completion = await within(provider.complete(toolRequest(context.model), callOptions()), 8_000, "complete() with tools");
        const choice = completion.choices?.[0];
        equal(choice?.finish_reason, "tool_calls", "finish_reason of a tool-call answer");
        const calls = (choice?.message?.tool_calls ?? []) as ChatToolCall[];
        equal(calls.length, 1, "number of tool calls");
        equal(calls[0]!.function.name, TOOL_NAME, "tool name");
        sameJson(parseArguments(calls[0]!.function.arguments), TOOL_ARGUMENTS, "tool arguments");
      }),
  },
  {
    name: "stream reassembles tool-call fragments",
    group: "execution",
    requires: ["stream", "tools"],
    run: (context) =>
      withProvider(context, async (provider) => {
        const result = await readStream(provider, toolRequest(context.model));
        const calls = reassembleToolCalls(result.chunks);
        equal(calls.length, 1, "number of streamed tool calls");
        check(typeof calls[0]!.id === "string" && calls[0]!.id !== "", "the streamed tool call needs an id");
        equal(calls[0]!.name, TOOL_NAME, "streamed tool name");
        sameJson(parseArguments(calls[0]!.arguments), TOOL_ARGUMENTS, "reassembled tool arguments");
        const finishes = result.chunks.flatMap((chunk) => chunk.choices ?? []).map((choice) => choice.finish_reason).filter((reason) => reason != null);
        sameJson(finishes, ["tool_calls"], "finish reasons of a streamed tool-call answer");
      }),
  },
  {
    name: "embed returns one vector per input with usage",
    group: "execution",
    requires: ["embeddings"],
    run: (context) =>
      withProvider(context, async (provider) => {
        check(typeof provider.embed === "function", "a provider declaring embeddings must implement embed()");
        const response = await within(provider.embed!({ model: context.model, input: ["alpha beta", "gamma"] }, callOptions()), 8_000, "embed()");
        equal(response?.data?.length, 2, "number of embeddings");
        for (const item of response.data) check(Array.isArray(item.embedding) && item.embedding.length > 0 && item.embedding.every((n) => typeof n === "number"), `each embedding must be a number array, got ${show(item.embedding)}`);
        equal(response.usage?.prompt_tokens, 3, "embedding usage.prompt_tokens");
      }),
  },
];

function pickUsage(usage: unknown): unknown {
  if (typeof usage !== "object" || usage === null) return usage;
  const { prompt_tokens, completion_tokens, total_tokens } = usage as Record<string, unknown>;
  return { prompt_tokens, completion_tokens, total_tokens };
}
