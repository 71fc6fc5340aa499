/** `POST /chat/completions`: a deterministic completion, as one JSON body or as OpenAI-shaped SSE chunks. */
import type { Exchange } from "./exchange.js";
import { contextLengthExceeded, invalidRequest } from "./errors.js";
import { requireModel } from "./models.js";
import { planReply, type PlannedReply } from "./reply.js";
import { sendError, sendSuccess } from "./respond.js";
import { type SseEvent, writeSse } from "./sse.js";
import { countPromptTokens } from "./tokenize.js";
import type { MockChatRequest, MockUsage } from "./wire.js";

/** Answers a chat completion request (refusal faults have already been handled by the server). */
export async function handleChat(exchange: Exchange): Promise<void> {
  const request = exchange.body as MockChatRequest;
  if (typeof request !== "object" || request === null || !Array.isArray(request.messages)) {
    return sendError(exchange, 400, invalidRequest("'messages' is a required property", "messages"));
  }
  const model = requireModel(exchange, request.model);
  if (model === undefined) return;
  const promptTokens = countPromptTokens(request.messages);
  const requested = promptTokens + (request.max_completion_tokens ?? request.max_tokens ?? 0);
  if (model.contextWindow !== undefined && requested > model.contextWindow) {
    return sendError(exchange, 400, contextLengthExceeded(model.contextWindow, requested));
  }
  const plan = await planReply(request, exchange.runtime.options.reply, exchange.call.n);
  const usage: MockUsage = {
    prompt_tokens: promptTokens,
    completion_tokens: plan.completionTokens,
    total_tokens: promptTokens + plan.completionTokens,
  };
  const head = {
    id: `chatcmpl-mock-${exchange.call.n}`,
    created: Math.floor(exchange.runtime.now() / 1000),
    model: model.id,
  };
  if (request.stream === true) {
    const includeUsage = request.stream_options?.include_usage === true;
    const events = chunkEvents(head, plan, usage, includeUsage, exchange.fault?.kind === "missing-done");
    return writeSse(exchange, events, usage.total_tokens);
  }
  const body = Buffer.from(JSON.stringify(completion(head, plan, usage)));
  return sendSuccess(exchange, body, "application/json", usage.total_tokens);
}

interface CompletionHead {
  id: string;
  created: number;
  model: string;
}

function completion(head: CompletionHead, plan: PlannedReply, usage: MockUsage): Record<string, unknown> {
  const toolCalls = plan.toolCalls.map((call) => ({
    id: call.id,
    type: "function",
    function: { name: call.name, arguments: call.arguments },
  }));
  return {
    id: head.id,
    object: "chat.completion",
    created: head.created,
    model: head.model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: plan.content,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: plan.finishReason,
      },
    ],
    usage,
    system_fingerprint: null,
  };
}

/**
 * The chunks OpenAI sends for this reply: a role chunk, one chunk per content token, per tool call an
 * id+name chunk then its argument fragments, a finish chunk with an empty delta, then — when usage was
 * asked for — a usage-only chunk with `choices: []` (all earlier chunks then carry `usage: null`), and
 * `[DONE]`. A `missing-done` fault moves usage onto the finish chunk and drops `[DONE]`, as some
 * compatible vendors do.
 */
function chunkEvents(
  head: CompletionHead,
  plan: PlannedReply,
  usage: MockUsage,
  includeUsage: boolean,
  missingDone: boolean,
): SseEvent[] {
  const usageField = includeUsage ? { usage: null } : {};
  const chunk = (choices: unknown[], extra: Record<string, unknown> = usageField): string =>
    JSON.stringify({
      id: head.id,
      object: "chat.completion.chunk",
      created: head.created,
      model: head.model,
      system_fingerprint: null,
      choices,
      ...extra,
    });
  const choice = (delta: Record<string, unknown>, finishReason: string | null = null): unknown[] => [
    { index: 0, delta, logprobs: null, finish_reason: finishReason },
  ];
  const events: SseEvent[] = [
    { kind: "role", data: chunk(choice({ role: "assistant", content: plan.content === null ? null : "", refusal: null })) },
  ];
  for (const token of plan.contentTokens) events.push({ kind: "token", data: chunk(choice({ content: token })) });
  plan.toolCalls.forEach((call, index) => {
    const header = { index, id: call.id, type: "function", function: { name: call.name, arguments: "" } };
    events.push({ kind: "token", data: chunk(choice({ tool_calls: [header] })) });
    for (const piece of call.fragments) {
      events.push({ kind: "token", data: chunk(choice({ tool_calls: [{ index, function: { arguments: piece } }] })) });
    }
  });
  events.push({ kind: "finish", data: chunk(choice({}, plan.finishReason), missingDone ? { usage } : usageField) });
  if (missingDone) return events;
  if (includeUsage) events.push({ kind: "usage", data: chunk([], { usage }) });
  events.push({ kind: "done", data: "[DONE]" });
  return events;
}
