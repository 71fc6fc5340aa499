/** Deciding what the mock model answers: the scripted or echo reply, cut into stream-sized pieces. */
import { messageText, tokenize } from "./tokenize.js";
import type { MockReply } from "./types.js";
import type { MockChatRequest } from "./wire.js";

/** A tool call ready to be sent whole or streamed. */
export interface PlannedToolCall {
  /** Call id. */
  id: string;
  /** Tool name. */
  name: string;
  /** Complete JSON arguments. */
  arguments: string;
  /** `arguments` cut into the fragments streamed after the id+name delta. */
  fragments: string[];
}

/** The answer to one chat request. */
export interface PlannedReply {
  /** Assistant text, or null when the reply is tool calls only. */
  content: string | null;
  /** `content` as stream tokens (`tokenize`). */
  contentTokens: string[];
  /** Tool calls, possibly empty. */
  toolCalls: PlannedToolCall[];
  /** `stop`, `length`, `tool_calls` or the scripted override. */
  finishReason: string;
  /** Output units: content tokens, plus one per tool-call header and one per argument fragment. */
  completionTokens: number;
}

/**
 * Argument fragment length in characters. Small enough that any real argument object spans several chunks,
 * which is what a client's tool-call reassembly must cope with.
 */
const FRAGMENT_LENGTH = 8;

/** The default reply: `"echo: "` plus the text of the last user message. */
export function echoReply(request: MockChatRequest): string {
  const lastUser = [...request.messages].reverse().find((message) => message.role === "user");
  return `echo: ${lastUser === undefined ? "" : messageText(lastUser)}`;
}

/**
 * Runs the scripted reply (or the echo) and shapes it: content tokens capped by `max_completion_tokens` /
 * `max_tokens` (finish reason `length`), tool calls given ids and fragments.
 *
 * @param n the call's sequence number, used for default tool-call ids
 */
export async function planReply(
  request: MockChatRequest,
  script: ((request: MockChatRequest) => MockReply | Promise<MockReply>) | undefined,
  n: number,
): Promise<PlannedReply> {
  const raw = script === undefined ? echoReply(request) : await script(request);
  const reply = typeof raw === "string" ? { content: raw } : raw;
  if (typeof reply !== "object" || reply === null) {
    throw new TypeError("[modelmesh] [testing] options.reply must return a string or { content?, tool_calls? }.");
  }
  let contentTokens = tokenize(reply.content ?? "");
  let capped = false;
  const cap = request.max_completion_tokens ?? request.max_tokens;
  if (typeof cap === "number" && cap >= 0 && contentTokens.length > cap) {
    contentTokens = contentTokens.slice(0, cap);
    capped = true;
  }
  const toolCalls = (reply.tool_calls ?? []).map((call, index): PlannedToolCall => {
    const given = call.function.arguments;
    const args = typeof given === "string" ? given : JSON.stringify(given);
    return { id: call.id ?? `call_${n}_${index}`, name: call.function.name, arguments: args, fragments: fragment(args) };
  });
  const text = reply.content === undefined || reply.content === null ? null : contentTokens.join("");
  // OpenAI sends `content: null`, not "", on a tool-calls-only message.
  const content = toolCalls.length > 0 && text === "" ? null : text;
  const finishReason = reply.finish_reason ?? (toolCalls.length > 0 ? "tool_calls" : capped ? "length" : "stop");
  const completionTokens =
    contentTokens.length + toolCalls.reduce((total, call) => total + 1 + call.fragments.length, 0);
  return { content, contentTokens, toolCalls, finishReason, completionTokens };
}

/** Cuts a string into pieces of at most FRAGMENT_LENGTH code points (never splitting a surrogate pair). */
function fragment(text: string): string[] {
  const codePoints = Array.from(text);
  const pieces: string[] = [];
  for (let start = 0; start < codePoints.length; start += FRAGMENT_LENGTH) {
    pieces.push(codePoints.slice(start, start + FRAGMENT_LENGTH).join(""));
  }
  return pieces;
}
