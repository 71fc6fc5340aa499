/** Shared helpers for the mock provider tests: clients, raw SSE reading. */
import OpenAI from "openai";
import type { MockProvider } from "../src/server.js";

/** The official SDK pointed at the mock, with no hidden retries. */
export function sdk(mock: MockProvider, overrides: ConstructorParameters<typeof OpenAI>[0] = {}): OpenAI {
  return new OpenAI({ baseURL: mock.url, apiKey: "sk-test", maxRetries: 0, timeout: 5000, ...overrides });
}

/** Minimal chat params, typed for the SDK. */
export const chatParams = {
  model: "mock-model",
  messages: [{ role: "user" as const, content: "hello mock world" }],
};

/** A minimal chat body for raw requests (any extra field allowed). */
export function chatBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: "mock-model", messages: [{ role: "user", content: "hello mock world" }], ...extra };
}

/** POSTs a JSON body with raw fetch, for what the SDK hides (exact bytes, broken framing). */
export function post(mock: MockProvider, path: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(`${mock.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
    body: JSON.stringify(body),
    ...init,
  });
}

/** What a raw SSE read produced: the text received, and the error that ended it, if it did not end cleanly. */
export interface RawStream {
  text: string;
  error: unknown;
  /** The `data:` payloads, in order. */
  frames: string[];
}

/** Reads a response body to its end or to the error that breaks it, keeping everything received. */
export async function readRaw(response: Response): Promise<RawStream> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let error: unknown;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch (caught) {
    error = caught;
  }
  const frames = text
    .split("\n\n")
    .filter((frame) => frame.startsWith("data: "))
    .map((frame) => frame.slice("data: ".length));
  return { text, error, frames };
}

/** Content deltas of the JSON frames of a raw stream, in order. */
export function contentOf(frames: string[]): string[] {
  const contents: string[] = [];
  for (const frame of frames) {
    let chunk: { choices?: Array<{ delta?: { content?: string | null } }> };
    try {
      chunk = JSON.parse(frame) as typeof chunk;
    } catch {
      continue;
    }
    const content = chunk.choices?.[0]?.delta?.content;
    if (typeof content === "string" && content.length > 0) contents.push(content);
  }
  return contents;
}
