/**
 * The `ai` package's own generateText / streamText / generateObject, against a real mesh (create() from
 * modelmesh) whose providers are mock upstreams on 127.0.0.1.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generateObject, generateText, jsonSchema, stepCountIs, streamText, tool } from "ai";
import { z } from "zod";
import { createModelMesh } from "../src/index.js";
import { chatCalls, FORECAST, startTestMesh, WEATHER_SCHEMA, type TestMesh } from "./support/mesh.js";

let mesh: TestMesh;
let modelmesh: ReturnType<typeof createModelMesh>;

beforeAll(async () => {
  mesh = await startTestMesh();
  modelmesh = createModelMesh({ client: mesh.client });
});
afterAll(() => mesh?.close());
beforeEach(() => {
  mesh.primary.reset();
  mesh.backup.reset();
});

const weatherTool = (executed: string[]) =>
  tool({
    description: "Current weather of a city",
    inputSchema: jsonSchema<{ city: string }>(WEATHER_SCHEMA),
    execute: async ({ city }) => {
      executed.push(city);
      return city === "Paris" ? "sunny" : "unknown";
    },
  });

describe("generateText", () => {
  it("returns the routed answer, usage, the answering model and the route taken", async () => {
    const result = await generateText({ model: modelmesh("chat"), prompt: "hello mesh", maxRetries: 0 });
    expect(result.text).toBe("echo: hello mesh");
    expect(result.finishReason).toBe("stop");
    // the mock counts whitespace words: "hello mesh" is 2 prompt tokens; "echo: hello mesh" is 3 output tokens
    expect(result.usage.inputTokens).toBe(2);
    expect(result.usage.outputTokens).toBe(3);
    expect(result.usage.totalTokens).toBe(5);
    expect(result.response.modelId).toBe("mock-model");
    const route = result.providerMetadata?.modelmesh as { route: { provider: string }; failover: boolean; attemptCount: number; requested: string };
    expect(route).toMatchObject({ requested: "chat", route: { provider: "primary" }, failover: false, attemptCount: 1 });
    const [call] = chatCalls(mesh.primary);
    expect(call!.body).toMatchObject({ model: "mock-model", messages: [{ role: "user", content: "hello mesh" }] });
  });

  it("sends the call settings as OpenAI fields and warns about topK", async () => {
    const result = await generateText({
      model: modelmesh("chat"),
      system: "be brief",
      prompt: "settings",
      maxOutputTokens: 50,
      temperature: 0.2,
      topP: 0.9,
      topK: 5,
      stopSequences: ["END"],
      seed: 7,
      presencePenalty: 0.1,
      frequencyPenalty: 0.3,
      maxRetries: 0,
    });
    expect(result.text).toBe("echo: settings");
    const body = chatCalls(mesh.primary)[0]!.body as Record<string, unknown>;
    expect(body).toMatchObject({
      messages: [{ role: "system", content: "be brief" }, { role: "user", content: "settings" }],
      max_completion_tokens: 50,
      temperature: 0.2,
      top_p: 0.9,
      stop: ["END"],
      seed: 7,
      presence_penalty: 0.1,
      frequency_penalty: 0.3,
    });
    expect(body).not.toHaveProperty("top_k");
    expect(result.warnings).toContainEqual(expect.objectContaining({ type: "unsupported", feature: "topK" }));
  });
});

describe("streamText", () => {
  it("streams the deltas in order, then the full text, usage and finish reason", async () => {
    const result = streamText({ model: modelmesh("chat"), prompt: "stream through the mesh", maxRetries: 0 });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join("")).toBe("echo: stream through the mesh");
    expect(await result.text).toBe("echo: stream through the mesh");
    expect(await result.finishReason).toBe("stop");
    const usage = await result.usage;
    expect(usage.inputTokens).toBe(4);
    expect(usage.outputTokens).toBe(deltas.length);
    expect((await result.providerMetadata)?.modelmesh).toMatchObject({ route: { provider: "primary" }, failover: false });
    expect((await result.response).modelId).toBe("mock-model");
    expect(chatCalls(mesh.primary)[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it("emits text-start / text-delta / text-end with one id, and finish last", async () => {
    const result = streamText({ model: modelmesh("chat"), prompt: "parts", maxRetries: 0 });
    const types: string[] = [];
    const ids = new Set<string>();
    for await (const part of result.fullStream) {
      types.push(part.type);
      if (part.type === "text-start" || part.type === "text-delta" || part.type === "text-end") ids.add(part.id);
    }
    expect(types[0]).toBe("start");
    expect(types.indexOf("text-start")).toBeLessThan(types.indexOf("text-delta"));
    expect(types.lastIndexOf("text-delta")).toBeLessThan(types.indexOf("text-end"));
    expect(types.at(-1)).toBe("finish");
    expect(ids.size).toBe(1);
  });
});

describe("tools", () => {
  it("generateText runs the tool and sends its result back (two steps)", async () => {
    const executed: string[] = [];
    const result = await generateText({ model: modelmesh("chat"), prompt: "weather in Paris?", tools: { get_weather: weatherTool(executed) }, stopWhen: stepCountIs(2), maxRetries: 0 });
    expect(executed).toEqual(["Paris"]);
    expect(result.steps).toHaveLength(2);
    expect(result.steps[0]!.finishReason).toBe("tool-calls");
    expect(result.steps[0]!.toolCalls[0]).toMatchObject({ toolCallId: "call_weather_1", toolName: "get_weather", input: { city: "Paris" } });
    expect(result.text).toBe("weather: sunny");
    const [first, second] = chatCalls(mesh.primary);
    expect(first!.body).toMatchObject({ tools: [{ type: "function", function: { name: "get_weather", description: "Current weather of a city", parameters: WEATHER_SCHEMA } }] });
    expect((second!.body as { messages: unknown[] }).messages.slice(1)).toEqual([
      { role: "assistant", content: null, tool_calls: [{ id: "call_weather_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
      { role: "tool", tool_call_id: "call_weather_1", content: "sunny" },
    ]);
  });

  it("toolChoice naming a tool is sent as an OpenAI function choice", async () => {
    await generateText({ model: modelmesh("chat"), prompt: "weather?", tools: { get_weather: weatherTool([]) }, toolChoice: { type: "tool", toolName: "get_weather" }, maxRetries: 0 });
    expect(chatCalls(mesh.primary)[0]!.body).toMatchObject({ tool_choice: { type: "function", function: { name: "get_weather" } } });
  });

  it("streamText streams the tool input, runs the tool, then streams the answer", async () => {
    const executed: string[] = [];
    const result = streamText({ model: modelmesh("chat"), prompt: "weather in Paris?", tools: { get_weather: weatherTool(executed) }, stopWhen: stepCountIs(2), maxRetries: 0 });
    const types: string[] = [];
    let inputText = "";
    for await (const part of result.fullStream) {
      types.push(part.type);
      if (part.type === "tool-input-delta") inputText += part.delta;
    }
    expect(executed).toEqual(["Paris"]);
    expect(JSON.parse(inputText)).toEqual({ city: "Paris" });
    const order = ["tool-input-start", "tool-input-delta", "tool-input-end", "tool-call", "tool-result", "text-delta"].map((t) => types.indexOf(t));
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(await result.text).toBe("weather: sunny");
  });
});

describe("generateObject", () => {
  it("sends response_format json_schema and parses the object with the zod schema", async () => {
    const schema = z.object({ city: z.string(), temperatureC: z.number(), conditions: z.array(z.string()) });
    const result = await generateObject({ model: modelmesh("chat"), schema, schemaName: "forecast", prompt: "forecast for Paris", maxRetries: 0 });
    expect(result.object).toEqual(FORECAST);
    const body = chatCalls(mesh.primary)[0]!.body as { response_format: { type: string; json_schema: { name: string; schema: { properties: Record<string, unknown> } } } };
    expect(body.response_format.type).toBe("json_schema");
    expect(body.response_format.json_schema.name).toBe("forecast");
    expect(Object.keys(body.response_format.json_schema.schema.properties).sort()).toEqual(["city", "conditions", "temperatureC"]);
  });
});
