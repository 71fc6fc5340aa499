/**
 * The provider suite's world: one mock provider per suite with a deterministic echo (or tool-call) reply and
 * rate-limit headers, plus helpers the checks share — call options, stream collection, expected answers.
 */
import type { CallOptions, ChatCompletionChunk, ChatCompletionRequest, ProviderConnectorV1 } from "@modelmesh/core";
import { startMockProvider } from "../../server/mock-provider.js";
import { countPromptTokens, tokenize } from "../../server/tokenize.js";
import type { MockChatRequest } from "../../server/wire.js";
import type { SuiteEnvironment } from "../runner.js";
import type { ProviderCheckContext, ProviderConformanceOptions } from "./types.js";

/** The prompt of every chat check (one user message, so vendor formats that send one prompt see all of it). */
export const PROMPT = "conformance check says hello to the mesh";
/** The mock's answer to {@link PROMPT}. */
export const REPLY = `echo: ${PROMPT}`;
/** Tool offered by the tool-call checks; the mock then answers with one call to it. */
export const TOOL_NAME = "get_weather";
/** Arguments of that call (long enough to stream as several fragments). */
export const TOOL_ARGUMENTS = { city: "Paris", unit: "celsius", days: 3 };
/** Rate-limit headers the mock sends on every response. */
export const RATE_LIMIT = { limitRequests: 500, remainingRequests: 500, resetRequests: "1s", limitTokens: 90_000, remainingTokens: 90_000, resetTokens: "6m0s" };

/**
 * Usage the mock reported for the last chat request it received: prompt tokens are the words of the messages
 * the upstream actually got (a connector may add a system prompt), completion tokens those of {@link REPLY}.
 */
export function expectedUsage(context: ProviderCheckContext): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
  const last = context.mock.calls.filter((call) => call.path.endsWith("/chat/completions")).at(-1);
  const messages = (last?.body as MockChatRequest | undefined)?.messages ?? [];
  const prompt = countPromptTokens(messages);
  const completion = tokenize(REPLY).length;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** The chat request every check sends (tools added by the tool checks). */
export function chatRequest(model: string, extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest {
  return { model, messages: [{ role: "user", content: PROMPT }], ...extra } as ChatCompletionRequest;
}

/** A tools-bearing request. */
export function toolRequest(model: string): ChatCompletionRequest {
  const parameters = { type: "object", properties: { city: { type: "string" }, unit: { type: "string" }, days: { type: "integer" } } };
  return chatRequest(model, { tools: [{ type: "function", function: { name: TOOL_NAME, description: "Weather forecast", parameters } }] } as Partial<ChatCompletionRequest>);
}

/** Generous defaults so only the fault under test can time out. */
export const RELAXED = { connectMs: 5_000, firstTokenMs: 5_000, idleMs: 5_000 };

let sequence = 0;

/** Complete `CallOptions` with a fresh signal; `timeouts` override {@link RELAXED}. */
export function callOptions(overrides: { timeouts?: Partial<CallOptions["timeouts"]>; signal?: AbortSignal; onResponse?: CallOptions["onResponse"] } = {}): CallOptions {
  sequence += 1;
  return {
    signal: overrides.signal ?? new AbortController().signal,
    deadline: Date.now() + 30_000,
    timeouts: { ...RELAXED, ...overrides.timeouts },
    requestId: `conformance-${sequence}`,
    attempt: 1,
    ...(overrides.onResponse ? { onResponse: overrides.onResponse } : {}),
  };
}

/** What reading a stream produced. */
export interface CollectedStream {
  chunks: ChatCompletionChunk[];
  /** What the iterator threw; undefined when it ended cleanly. */
  error: unknown;
  /** Concatenated content deltas. */
  text: string;
  /** Milliseconds from the call to the end or the error. */
  elapsedMs: number;
}

/** Reads a stream to its end or its error. Bound it with `within` in the check. */
export async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<CollectedStream> {
  const started = Date.now();
  const chunks: ChatCompletionChunk[] = [];
  let error: unknown;
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (caught) {
    error = caught;
  }
  const text = chunks.map((chunk) => chunk.choices?.[0]?.delta?.content ?? "").join("");
  return { chunks, error, text, elapsedMs: Date.now() - started };
}

/** Creates a provider, runs `body`, and closes the provider (close errors only surface when `body` passed). */
export async function withProvider<T>(context: ProviderCheckContext, body: (provider: ProviderConnectorV1) => Promise<T>): Promise<T> {
  const provider = await context.create();
  try {
    return await body(provider);
  } finally {
    await Promise.resolve()
      .then(() => provider.close())
      .catch(() => {});
  }
}

function reply(request: MockChatRequest): string | { tool_calls: Array<{ id: string; function: { name: string; arguments: Record<string, unknown> } }> } {
  if (Array.isArray(request.tools) && request.tools.length > 0) {
    return { tool_calls: [{ id: "call_conformance_1", function: { name: TOOL_NAME, arguments: TOOL_ARGUMENTS } }] };
  }
  const last = [...request.messages].reverse().find((message) => message.role === "user");
  return `echo: ${typeof last?.content === "string" ? last.content : ""}`;
}

/** Starts the suite's mock provider (and upstream, if any). */
export async function setupProviderEnvironment(options: ProviderConformanceOptions): Promise<SuiteEnvironment<ProviderCheckContext>> {
  const capabilities = providerCapabilities(options);
  const model = options.model ?? "conformance-model";
  const apiKey = "sk-conformance-0123456789abcdef";
  const mock = await startMockProvider({
    models: [{ id: model }],
    ...(capabilities.auth ? { apiKey } : {}),
    reply,
    rateLimitHeaders: RATE_LIMIT,
  });
  let upstream: Awaited<ReturnType<NonNullable<ProviderConformanceOptions["upstream"]>>> | undefined;
  try {
    upstream = options.upstream ? await options.upstream(mock.url) : undefined;
  } catch (error) {
    await mock.close();
    throw error;
  }
  const createContext = { baseUrl: upstream?.baseUrl ?? mock.url, apiKey, model };
  const context: ProviderCheckContext = {
    mock,
    model,
    createContext,
    capabilities,
    create: async () => options.create({ ...createContext }),
  };
  return {
    context,
    async close() {
      await upstream?.close();
      await mock.close();
    },
  };
}

/** Capability flags with defaults applied. */
export function providerCapabilities(options: ProviderConformanceOptions): ProviderCheckContext["capabilities"] {
  const declared = options.capabilities ?? {};
  return {
    stream: declared.stream ?? true,
    streamUsage: declared.streamUsage ?? declared.stream ?? true,
    tools: declared.tools ?? true,
    embeddings: declared.embeddings ?? false,
    auth: declared.auth ?? true,
    rateLimitHeaders: declared.rateLimitHeaders ?? true,
  };
}
