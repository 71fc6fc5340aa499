/** Scripted mock replies shared by the client tests. */
import type { MockChatRequest, MockReply } from "@modelmesh/testing/server";

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part) => (typeof part?.text === "string" ? part.text : "")).join("");
  return "";
}

/** A tool call when tools are offered on a user turn; the tool's result echoed after a tool turn; else an echo. */
export function toolAwareReply(request: MockChatRequest): MockReply {
  const last = request.messages.at(-1);
  if ((request.tools?.length ?? 0) > 0 && last?.role === "user") {
    return { tool_calls: [{ id: "call_weather_1", function: { name: "get_weather", arguments: { city: "Paris" } } }] };
  }
  if (last?.role === "tool") return `weather: ${textOf(last.content)}`;
  return `echo: ${textOf(last?.content)}`;
}

/** The `get_weather` tool in the OpenAI wire shape. */
export const WEATHER_TOOL = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather of a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};
