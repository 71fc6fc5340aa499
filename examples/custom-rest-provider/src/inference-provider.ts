import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, CompletionUsage } from "@modelmesh/core";
import { BaseProvider } from "@modelmesh/cdk";

/** What the internal inference service answers (whole, or per stream event). */
interface InferenceReply {
  request_id: string;
  model?: string;
  output?: string;
  delta?: string;
  stop_reason?: string;
  input_tokens?: number;
  output_tokens?: number;
}

function usage(reply: InferenceReply): CompletionUsage | undefined {
  if (reply.input_tokens === undefined) return undefined;
  const completion = reply.output_tokens ?? 0;
  return { prompt_tokens: reply.input_tokens, completion_tokens: completion, total_tokens: reply.input_tokens + completion };
}

/**
 * Provider for a proprietary REST API: `POST /inference {prompt, max_length}` → `{request_id, output,
 * input_tokens, output_tokens}`; streams are SSE events `{request_id, delta}` closed by `{stop_reason}`.
 * Only the translation is written here: transport, timeouts, SSE framing, error classification, rate-limit
 * headers and catalogue are inherited from BaseProvider (usage and cost are recorded by the mesh's router).
 */
export class InferenceProvider extends BaseProvider {
  protected override getCompletionEndpoint(): string {
    return `${this.config.baseUrl}/inference`;
  }

  protected override buildRequestPayload(request: ChatCompletionRequest): Record<string, unknown> {
    const prompt = request.messages.at(-1)?.content;
    return { model: request.model, prompt: typeof prompt === "string" ? prompt : "", max_length: request.max_tokens ?? 1024, stream: request.stream === true };
  }

  protected override parseResponse(json: unknown): ChatCompletion {
    const reply = json as InferenceReply;
    const message = { role: "assistant" as const, content: reply.output ?? "" };
    return { id: reply.request_id, object: "chat.completion", created: 0, model: reply.model ?? "", choices: [{ index: 0, message, finish_reason: "stop" }], usage: usage(reply) };
  }

  protected override parseSseChunk(json: unknown): ChatCompletionChunk {
    const reply = json as InferenceReply;
    const finish = reply.stop_reason ? ("stop" as const) : null;
    const choices = reply.delta !== undefined || finish ? [{ index: 0, delta: { content: reply.delta ?? "" }, finish_reason: finish }] : [];
    return { id: reply.request_id, object: "chat.completion.chunk", created: 0, model: reply.model ?? "", choices, usage: usage(reply) };
  }
}
