/**
 * A malformed stream event does not kill the answer (issue 10): through create(), against the mock provider's
 * `malformed-chunk` fault (one `data: {not json` line sent after the first token, in addition to the tokens, so
 * no text is lost), a streamed answer completes with the full text and the routing trace carries a warning
 * about the skipped event. The three-malformed-events limit is covered by cdk's `chatStream` unit tests and by
 * the fault catalogue (packages/modelmesh/test/faults.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { create, getTrace, type MeshClient } from "../src/index.js";

const PROMPT = "tell me five words now";
const FULL = `echo: ${PROMPT}`;

function clientFor(url: string): MeshClient {
  return create({
    env: {},
    config: {
      providers: { p0: { connector: "openai-compatible", config: { base_url: url, api_key: "sk-test" }, models: [{ id: "mock-model", capabilities: ["chat-completion"] }] } },
      pools: { chat: { capability: "chat-completion", retry: { max_attempts: 1, initial_delay: "5ms", max_delay: "50ms" } } },
      routing: { deadline: "6000ms", timeouts: { connect: "1200ms", first_token: "1500ms", idle: "1000ms" } },
    },
  });
}

describe("a malformed stream event through create()", () => {
  let mock: MockProvider;
  let client: MeshClient;
  beforeAll(async () => {
    mock = await startMockProvider();
    client = clientFor(mock.url);
  });
  afterAll(async () => {
    await client.close();
    await mock.close();
  });

  it("is skipped: the streamed answer completes with the full text, and the trace has a warning", async () => {
    mock.reset();
    mock.fault({ fault: { kind: "malformed-chunk", afterTokens: 1 } });
    const stream = await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: PROMPT }], stream: true });
    let text = "";
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      finish ??= chunk.choices[0]?.finish_reason;
    }
    expect(text).toBe(FULL);
    expect(finish).toBe("stop");
    expect(mock.calls).toHaveLength(1); // the answer was not retried: the same stream went on
    const trace = getTrace(stream)!;
    expect(trace.outcome).toBe("success");
    expect(trace.attempts).toHaveLength(1);
    expect(trace.warnings).toEqual(["p0: skipped malformed stream event 1 (the stream fails at 3): not JSON"]);
    expect(trace.warnings.join("\n")).not.toContain("{not json");
  });

  it("a stream without malformed events has no such warning", async () => {
    mock.reset();
    const stream = await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: PROMPT }], stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).toBe(FULL);
    expect(getTrace(stream)!.warnings).toEqual([]);
  });
});
