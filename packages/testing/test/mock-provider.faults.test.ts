/** Refusal faults and fault scheduling, observed from the openai SDK and raw fetch. */
import OpenAI, { type APIError } from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Fault, type MockProvider, startMockProvider } from "../src/server.js";
import { chatBody, post, sdk } from "./helpers.js";

const messages = [{ role: "user" as const, content: "hello" }];

/** Runs one SDK chat call and returns the error it threw (or undefined). */
async function failure(mock: MockProvider, client: OpenAI = sdk(mock), model = "mock-model"): Promise<APIError | undefined> {
  try {
    await client.chat.completions.create({ model, messages });
    return undefined;
  } catch (error) {
    return error as APIError;
  }
}

describe("refusal faults", () => {
  let mock: MockProvider;
  beforeAll(async () => {
    mock = await startMockProvider({ models: [{ id: "mock-model" }, { id: "other" }] });
  });
  afterEach(() => mock.reset());
  afterAll(() => mock.close());

  it("rate-limit: 429 rate_limit_exceeded with Retry-After in seconds", async () => {
    mock.fault({ fault: { kind: "rate-limit", retryAfter: 2, retryAfterMs: 2000 } });
    const error = await failure(mock);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error!.code).toBe("rate_limit_exceeded");
    expect(error!.headers?.get("retry-after")).toBe("2");
    expect(error!.headers?.get("retry-after-ms")).toBe("2000");
  });

  it("rate-limit: Retry-After as an HTTP-date, or absent when not configured", async () => {
    const date = new Date(Date.UTC(2030, 0, 1)).toUTCString();
    mock.fault({ times: 1, fault: { kind: "rate-limit", retryAfter: date } });
    mock.fault({ times: 1, fault: { kind: "rate-limit" } });
    expect((await failure(mock))!.headers?.get("retry-after")).toBe(date);
    const bare = await failure(mock);
    expect(bare!.status).toBe(429);
    expect(bare!.headers?.get("retry-after")).toBeNull();
  });

  it("quota-exhausted: 429 insufficient_quota", async () => {
    mock.fault({ fault: { kind: "quota-exhausted" } });
    const error = await failure(mock);
    expect(error!.status).toBe(429);
    expect(error!.code).toBe("insufficient_quota");
    expect(error!.type).toBe("insufficient_quota");
  });

  it.each([500, 502, 503, 529])("status: %i with an OpenAI server_error body", async (status) => {
    mock.fault({ fault: { kind: "status", status } });
    const error = await failure(mock);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error!.status).toBe(status);
    expect(error!.type).toBe("server_error");
  });

  it("status: custom body and headers are sent as given", async () => {
    mock.fault({ fault: { kind: "status", status: 502, body: "<html>bad gateway</html>", headers: { "x-upstream": "lb" } } });
    const response = await post(mock, "/chat/completions", chatBody());
    expect(response.status).toBe(502);
    expect(response.headers.get("x-upstream")).toBe("lb");
    expect(await response.text()).toBe("<html>bad gateway</html>");
  });

  it("auth: 401 invalid_api_key", async () => {
    mock.fault({ fault: { kind: "auth" } });
    const error = await failure(mock);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error!.code).toBe("invalid_api_key");
  });

  it("context-length and content-policy: 400 with their codes", async () => {
    mock.fault({ times: 1, fault: { kind: "context-length" } });
    mock.fault({ times: 1, fault: { kind: "content-policy" } });
    expect((await failure(mock))!.code).toBe("context_length_exceeded");
    const policy = await failure(mock);
    expect(policy).toBeInstanceOf(OpenAI.BadRequestError);
    expect(policy!.code).toBe("content_policy_violation");
  });

  it("reject-prefill: 400 only when the last message is from the assistant", async () => {
    mock.fault({ fault: { kind: "reject-prefill" } });
    const client = sdk(mock);
    await expect(client.chat.completions.create({ model: "mock-model", messages })).resolves.toBeDefined();
    const error = await client.chat.completions
      .create({ model: "mock-model", messages: [...messages, { role: "assistant", content: "Partial ans" }] })
      .then(() => undefined, (caught: APIError) => caught);
    expect(error?.status).toBe(400);
    expect(error?.code).toBe("prefill_not_supported");
    expect(mock.calls.map((call) => call.fault)).toEqual([undefined, "reject-prefill"]);
  });

  it("reset-before-headers: the SDK sees a connection error, fetch a reset", async () => {
    mock.fault({ fault: { kind: "reset-before-headers" } });
    const error = await failure(mock);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(error).not.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    const raw = await post(mock, "/chat/completions", chatBody()).catch((caught: unknown) => caught);
    expect(raw).toBeInstanceOf(TypeError);
    expect(mock.calls.every((call) => call.fault === "reset-before-headers" && call.status === undefined)).toBe(true);
  });

  it("no-response: only a client timeout ends the wait", async () => {
    mock.fault({ fault: { kind: "no-response" } });
    const error = await failure(mock, sdk(mock, { timeout: 1000 }));
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    const raw = await post(mock, "/chat/completions", chatBody(), { signal: AbortSignal.timeout(800) }).catch(
      (caught: unknown) => caught,
    );
    expect((raw as Error).name).toBe("TimeoutError");
    expect(mock.calls.map((call) => call.status)).toEqual([undefined, undefined]);
  });

  it("applies to every route, not only chat", async () => {
    mock.fault({ fault: { kind: "status", status: 503 } });
    await expect(sdk(mock).embeddings.create({ model: "mock-model", input: "x" })).rejects.toMatchObject({ status: 503 });
    await expect(sdk(mock).models.list()).rejects.toMatchObject({ status: 503 });
  });
});

describe("fault scheduling", () => {
  let mock: MockProvider;
  beforeAll(async () => {
    mock = await startMockProvider({ models: [{ id: "mock-model" }, { id: "other" }] });
  });
  afterEach(() => mock.reset());
  afterAll(() => mock.close());

  const unavailable: Fault = { kind: "status", status: 503 };
  const statuses = (model?: string) => (model ? mock.callsFor(model) : mock.calls).map((call) => call.status);

  it("attempts [1, 2] fail and attempt 3 succeeds, counted per model", async () => {
    mock.fault({ model: "mock-model", attempts: [1, 2], fault: unavailable });
    for (let index = 0; index < 3; index += 1) await failure(mock);
    await failure(mock, sdk(mock), "other");
    expect(statuses("mock-model")).toEqual([503, 503, 200]);
    expect(statuses("other")).toEqual([200]);
    expect(mock.callsFor("mock-model").map((call) => call.attempt)).toEqual([1, 2, 3]);
  });

  it("an SDK with retries succeeds on the third attempt, and all three are recorded", async () => {
    // retry-after-ms: 1 keeps the SDK's backoff out of the test's run time.
    mock.fault({ attempts: [1, 2], fault: { ...unavailable, headers: { "retry-after-ms": "1" } } });
    const completion = await sdk(mock, { maxRetries: 2 }).chat.completions.create({ model: "mock-model", messages });
    expect(completion.choices[0]!.message.content).toBe("echo: hello");
    expect(statuses()).toEqual([503, 503, 200]);
    expect(mock.calls.map((call) => call.fault)).toEqual(["status", "status", undefined]);
  });

  it("times: N applies to the next N matching requests only", async () => {
    mock.fault({ times: 2, fault: unavailable });
    for (let index = 0; index < 3; index += 1) await failure(mock);
    expect(statuses()).toEqual([503, 503, 200]);
  });

  it("path restricts a rule to one route; the first matching rule wins; the remover removes", async () => {
    const remove = mock.fault({ path: "/embeddings", fault: unavailable });
    mock.fault({ fault: { kind: "auth" } });
    mock.fault({ fault: unavailable });
    await expect(sdk(mock).embeddings.create({ model: "mock-model", input: "x" })).rejects.toMatchObject({ status: 503 });
    expect((await failure(mock))!.status).toBe(401);
    remove();
    await expect(sdk(mock).embeddings.create({ model: "mock-model", input: "x" })).rejects.toMatchObject({ status: 401 });
  });

  it("down: 503 until forMs after installation on the injected clock, then healthy", async () => {
    let time = 0;
    const clocked = await startMockProvider({ now: () => time });
    try {
      clocked.fault({ fault: { kind: "down", forMs: 1000 } });
      time = 999;
      expect((await failure(clocked))!.status).toBe(503);
      time = 1000;
      expect(await failure(clocked)).toBeUndefined();
      time = 0;
      expect(await failure(clocked)).toBeUndefined();
      expect(clocked.calls.map((call) => call.status)).toEqual([503, 200, 200]);
    } finally {
      await clocked.close();
    }
  });

  it("options.faults are installed at start; reset() clears them", async () => {
    const scripted = await startMockProvider({ faults: [{ times: 1, fault: { kind: "quota-exhausted" } }, { attempts: [2], fault: unavailable }] });
    try {
      expect((await failure(scripted))!.code).toBe("insufficient_quota");
      expect((await failure(scripted))!.status).toBe(503);
      scripted.reset();
      scripted.fault({ attempts: [1], fault: { kind: "auth" } });
      expect((await failure(scripted))!.status).toBe(401);
      expect(await failure(scripted)).toBeUndefined();
    } finally {
      await scripted.close();
    }
  });

  it("rejects invalid rules with a clear TypeError", async () => {
    expect(() => mock.fault({ fault: { kind: "nope" } as unknown as Fault })).toThrow(/unknown fault kind "nope"/);
    expect(() => mock.fault({ times: 0, fault: unavailable })).toThrow(/times must be a positive integer/);
    expect(() => mock.fault({ attempts: [0], fault: unavailable })).toThrow(/1-based/);
    expect(() => mock.fault({ fault: { kind: "cut-after", tokens: -1 } })).toThrow(/cut-after.tokens/);
    expect(() => mock.fault({ fault: { kind: "malformed-chunk", afterTokens: 1, count: 0 } })).toThrow(/malformed-chunk.count/);
    await expect(startMockProvider({ faults: [{ fault: { kind: "status", status: 42 } }] })).rejects.toThrow(TypeError);
  });
});
