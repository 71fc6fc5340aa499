/**
 * The mock's deterministic "tokenizer": words, not BPE. Tests can predict token counts and chunk
 * boundaries by reading the text, which is all a fault-injecting mock needs.
 */
import type { MockChatMessage } from "./wire.js";

/**
 * Splits text into word tokens, each carrying the whitespace that precedes it, so that
 * `tokenize(text).join("") === text` always holds. Trailing whitespace joins the last token.
 *
 * @example
 * tokenize("echo: hello world"); // ["echo:", " hello", " world"]
 */
export function tokenize(text: string): string[] {
  const tokens: string[] = text.match(/\s*\S+/g) ?? [];
  const consumed = tokens.reduce((length, token) => length + token.length, 0);
  if (consumed < text.length) {
    const tail = text.slice(consumed);
    if (tokens.length > 0) tokens[tokens.length - 1] += tail;
    else tokens.push(tail);
  }
  return tokens;
}

/** Number of whitespace-separated words in `text`. */
export function countWords(text: string): number {
  return text.split(/\s+/).filter((word) => word.length > 0).length;
}

/** The text of a message's content: a string as is, the text and refusal parts of an array joined by spaces. */
export function messageText(message: MockChatMessage): string {
  const content = message.content;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  const texts: string[] = [];
  for (const part of content) {
    if (typeof part !== "object" || part === null) continue;
    const record = part as Record<string, unknown>;
    if (typeof record.text === "string") texts.push(record.text);
    else if (typeof record.refusal === "string") texts.push(record.refusal);
  }
  return texts.join(" ");
}

/** Estimated prompt tokens: the words of every message's text. */
export function countPromptTokens(messages: readonly MockChatMessage[]): number {
  return messages.reduce((total, message) => total + countWords(messageText(message)), 0);
}
