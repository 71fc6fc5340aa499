import { InvalidArgumentError, type LanguageModelV4CallOptions } from "@ai-sdk/provider";
import { describe, expect, it } from "vitest";
import { buildMeshChatRequest, readMeshCallOptions } from "./build-mesh-chat-request.js";

const prompt: LanguageModelV4CallOptions["prompt"] = [{ role: "user", content: [{ type: "text", text: "hi" }] }];

describe("buildMeshChatRequest", () => {
  it("a bare call is just model and messages, with no warnings", () => {
    expect(buildMeshChatRequest("chat", { prompt })).toEqual({ body: { model: "chat", messages: [{ role: "user", content: "hi" }] }, requestOptions: {}, warnings: [] });
  });

  it("json without a schema is json_object; with one it is json_schema named and described", () => {
    expect(buildMeshChatRequest("chat", { prompt, responseFormat: { type: "json" } }).body.response_format).toEqual({ type: "json_object" });
    const schema = { type: "object", properties: { a: { type: "number" } } } as const;
    expect(buildMeshChatRequest("chat", { prompt, responseFormat: { type: "json", schema, name: "thing", description: "A thing" } }).body.response_format).toEqual({
      type: "json_schema",
      json_schema: { name: "thing", description: "A thing", schema },
    });
    expect(buildMeshChatRequest("chat", { prompt, responseFormat: { type: "json", schema } }).body.response_format).toEqual({ type: "json_schema", json_schema: { name: "response", schema } });
    expect(buildMeshChatRequest("chat", { prompt, responseFormat: { type: "text" } }).body).not.toHaveProperty("response_format");
  });

  it("reasoning maps to reasoning_effort; provider-default sends nothing; max warns", () => {
    expect(buildMeshChatRequest("chat", { prompt, reasoning: "low" }).body.reasoning_effort).toBe("low");
    expect(buildMeshChatRequest("chat", { prompt, reasoning: "provider-default" }).body).not.toHaveProperty("reasoning_effort");
    const max = buildMeshChatRequest("chat", { prompt, reasoning: "max" });
    expect(max.body).not.toHaveProperty("reasoning_effort");
    expect(max.warnings).toEqual([expect.objectContaining({ type: "unsupported", feature: 'reasoning "max"' })]);
  });

  it("headers go to the client (not upstream): user-agent alone is silent, others warn; undefined values are dropped", () => {
    const quiet = buildMeshChatRequest("chat", { prompt, headers: { "user-agent": "ai/7", "x-skip": undefined } });
    expect(quiet.requestOptions.headers).toEqual({ "user-agent": "ai/7" });
    expect(quiet.warnings).toEqual([]);
    const loud = buildMeshChatRequest("chat", { prompt, headers: { "x-session-key": "s1" } });
    expect(loud.requestOptions.headers).toEqual({ "x-session-key": "s1" });
    expect(loud.warnings).toEqual([expect.objectContaining({ type: "compatibility", feature: "headers" })]);
    expect(JSON.stringify(loud.warnings)).toContain("x-session-key");
    expect(JSON.stringify(loud.warnings)).not.toContain("s1");
  });

  it("the abort signal and providerOptions.modelmesh reach the client options and body", () => {
    const signal = new AbortController().signal;
    const call = buildMeshChatRequest("chat", {
      prompt,
      abortSignal: signal,
      tools: [{ type: "function", name: "t", inputSchema: { type: "object" } }],
      providerOptions: { modelmesh: { timeout: 1500, streamCommit: { chars: 40 }, resume: true, parallelToolCalls: false, user: "u-1" }, openai: { ignored: true } },
    });
    expect(call.requestOptions).toEqual({ signal, timeout: 1500, streamCommit: { chars: 40 }, resume: true });
    expect(call.body).toMatchObject({ parallel_tool_calls: false, user: "u-1" });
  });
});

describe("readMeshCallOptions", () => {
  it.each([
    [{ timeout: -1 }, "providerOptions.modelmesh.timeout"],
    [{ timeout: "5s" }, "providerOptions.modelmesh.timeout"],
    [{ streamCommit: "eventually" }, "providerOptions.modelmesh.streamCommit"],
    [{ streamCommit: { chars: 1, ms: 2 } }, "providerOptions.modelmesh.streamCommit"],
    [{ resume: "yes" }, "providerOptions.modelmesh.resume"],
    [{ user: 3 }, "providerOptions.modelmesh.user"],
    [{ deadline: 5 }, "providerOptions.modelmesh.deadline"],
  ])("%j is an InvalidArgumentError naming %s", (raw, argument) => {
    let error: unknown;
    try {
      readMeshCallOptions(raw as never);
    } catch (e) {
      error = e;
    }
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as InvalidArgumentError).argument).toBe(argument);
    expect((error as Error).message).toContain(argument);
  });

  it("accepts the stream commit forms", () => {
    expect(readMeshCallOptions({ streamCommit: "complete" })).toEqual({ streamCommit: "complete" });
    expect(readMeshCallOptions({ streamCommit: { ms: 200 } })).toEqual({ streamCommit: { ms: 200 } });
    expect(readMeshCallOptions(undefined)).toEqual({});
  });
});
