/**
 * A real mesh for the AI SDK tests: `create()` from `modelmesh` with openai-compatible providers pointing at
 * `@modelmesh/testing`'s mock provider servers on 127.0.0.1, and a scripted reply that echoes, calls a tool
 * and answers JSON when asked for it.
 */
import type { JSONSchema7 } from "@ai-sdk/provider";
import { create, type MeshClient } from "modelmesh";
import { startMockProvider, type MockChatRequest, type MockProvider, type MockReply } from "@modelmesh/testing/server";

/** The `get_weather` tool's JSON schema, shared by the tests. */
export const WEATHER_SCHEMA: JSONSchema7 = { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false };

/** The JSON object the mock answers when a request carries `response_format`. */
export const FORECAST = { city: "Paris", temperatureC: 21, conditions: ["sunny", "dry"] };

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part: { text?: string }) => part.text ?? "").join("");
  return "";
}

/** Echo, unless the request offers tools (then a `get_weather` call), answers a tool, or asks for JSON. */
export function scriptedReply(request: MockChatRequest): MockReply {
  const last = request.messages.at(-1);
  if (request.response_format) return JSON.stringify(FORECAST);
  if ((request.tools?.length ?? 0) > 0 && last?.role === "user") {
    return { tool_calls: [{ id: "call_weather_1", function: { name: "get_weather", arguments: { city: "Paris" } } }] };
  }
  if (last?.role === "tool") return `weather: ${textOf(last.content)}`;
  return `echo: ${textOf(last?.content)}`;
}

/** Two mock upstreams (`primary` first in the pool, `backup` second) behind one client. */
export interface TestMesh {
  primary: MockProvider;
  backup: MockProvider;
  client: MeshClient;
  close(): Promise<void>;
}

/** Starts two mocks and a client whose `chat` pool tries `primary` then `backup`, one attempt per route. */
export async function startTestMesh(): Promise<TestMesh> {
  const models = [{ id: "mock-model" }, { id: "mock-embed" }];
  const primary = await startMockProvider({ reply: scriptedReply, models });
  const backup = await startMockProvider({ reply: scriptedReply, models });
  const provider = (url: string) => ({
    connector: "openai-compatible",
    config: { base_url: url, api_key: "sk-test" },
    models: [
      { id: "mock-model", capabilities: ["chat-completion"], features: { tool_calling: true, structured_output: true, vision: true } },
      { id: "mock-embed", capabilities: ["text-embeddings"] },
    ],
  });
  const client = create({
    env: {},
    config: {
      providers: { primary: provider(primary.url), backup: provider(backup.url) },
      pools: {
        chat: { capability: "chat-completion", retry: { max_attempts: 1, initial_delay: "5ms", max_delay: "20ms" } },
        vectors: { capability: "text-embeddings", retry: { max_attempts: 1, initial_delay: "5ms", max_delay: "20ms" } },
      },
      routing: { deadline: "8s", timeouts: { connect: "1500ms", first_token: "2000ms", idle: "1500ms" } },
    },
  });
  await client.ready();
  return {
    primary,
    backup,
    client,
    async close() {
      await client.close();
      await Promise.all([primary.close(), backup.close()]);
    },
  };
}

/** Chat requests a mock received. */
export function chatCalls(mock: MockProvider) {
  return mock.calls.filter((call) => call.path.endsWith("/chat/completions"));
}
