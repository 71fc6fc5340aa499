/**
 * Three real client libraries, used exactly as their docs show with only the base URL pointed at the proxy:
 * the official `openai` SDK, LangChain's `ChatOpenAI` and the AI SDK's openai-compatible provider. Each runs
 * a chat, a stream and a tool call round trip.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { ChatOpenAI } from "@langchain/openai";
import { HumanMessage, ToolMessage } from "@langchain/core/messages";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { generateText, jsonSchema, stepCountIs, streamText, tool } from "ai";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { closeAll, meshConfig, start, type Started } from "./support/harness.js";
import { toolAwareReply, WEATHER_TOOL } from "./support/replies.js";

const TOKEN = "client-test-token";
let mock: MockProvider;
let started: Started;
let baseURL: string;

beforeAll(async () => {
  mock = await startMockProvider({ reply: toolAwareReply });
  started = await start(meshConfig([mock.url], { proxy: { auth: { tokens: [TOKEN] } } }));
  baseURL = `${started.proxy.url}/v1`;
});
afterAll(() => closeAll(started?.proxy, mock));

describe("openai SDK", () => {
  const client = () => new OpenAI({ baseURL, apiKey: TOKEN, maxRetries: 0 });

  it("chat", async () => {
    const completion = await client().chat.completions.create({ model: "chat", messages: [{ role: "user", content: "hello sdk" }] });
    expect(completion.choices[0]!.message.content).toBe("echo: hello sdk");
  });

  it("stream", async () => {
    const stream = await client().chat.completions.create({ model: "chat", stream: true, messages: [{ role: "user", content: "stream me please" }] });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).toBe("echo: stream me please");
  });

  it("tool call, plain and streamed", async () => {
    const completion = await client().chat.completions.create({ model: "chat", tools: [WEATHER_TOOL], messages: [{ role: "user", content: "weather?" }] });
    const call = completion.choices[0]!.message.tool_calls![0]!;
    expect(call.type === "function" && JSON.parse(call.function.arguments)).toEqual({ city: "Paris" });
    const stream = client().chat.completions.stream({ model: "chat", tools: [WEATHER_TOOL], messages: [{ role: "user", content: "weather?" }] });
    const final = await stream.finalChatCompletion();
    const streamed = final.choices[0]!.message.tool_calls![0]!;
    expect(streamed.type === "function" && streamed.function.name).toBe("get_weather");
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");
  });
});

describe("LangChain ChatOpenAI", () => {
  const llm = () => new ChatOpenAI({ model: "chat", apiKey: TOKEN, maxRetries: 0, configuration: { baseURL } });

  it("chat", async () => {
    const message = await llm().invoke("hello langchain");
    expect(message.content).toBe("echo: hello langchain");
  });

  it("stream", async () => {
    let text = "";
    for await (const chunk of await llm().stream("stream via langchain")) text += chunk.content as string;
    expect(text).toBe("echo: stream via langchain");
  });

  it("tool call round trip", async () => {
    const bound = llm().bindTools([WEATHER_TOOL]);
    const first = await bound.invoke([new HumanMessage("weather?")]);
    expect(first.tool_calls?.[0]).toMatchObject({ name: "get_weather", args: { city: "Paris" } });
    const second = await bound.invoke([new HumanMessage("weather?"), first, new ToolMessage({ tool_call_id: first.tool_calls![0]!.id!, content: "sunny" })]);
    expect(second.content).toBe("weather: sunny");
  });
});

describe("AI SDK openai-compatible provider", () => {
  const model = () => createOpenAICompatible({ name: "modelmesh", baseURL, apiKey: TOKEN }).chatModel("chat");

  it("chat", async () => {
    const result = await generateText({ model: model(), prompt: "hello ai sdk", maxRetries: 0 });
    expect(result.text).toBe("echo: hello ai sdk");
  });

  it("stream", async () => {
    const result = streamText({ model: model(), prompt: "stream via ai sdk", maxRetries: 0 });
    let text = "";
    for await (const part of result.textStream) text += part;
    expect(text).toBe("echo: stream via ai sdk");
  });

  it("tool call round trip", async () => {
    const getWeather = tool({
      description: WEATHER_TOOL.function.description,
      inputSchema: jsonSchema<{ city: string }>(WEATHER_TOOL.function.parameters as Parameters<typeof jsonSchema>[0]),
      execute: async ({ city }) => (city === "Paris" ? "sunny" : "unknown"),
    });
    const result = await generateText({ model: model(), prompt: "weather?", tools: { get_weather: getWeather }, stopWhen: stepCountIs(2), maxRetries: 0 });
    expect(result.steps[0]!.toolCalls[0]).toMatchObject({ toolName: "get_weather", input: { city: "Paris" } });
    expect(result.text).toContain("sunny");
  });
});
