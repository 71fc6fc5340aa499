/**
 * Acceptance fault matrix of issue 10 ("failover that holds at defaults") through the proxy, with the official
 * `openai` SDK as the client (maxRetries 0): every fault of `faultCatalogue()` × plain / stream × stream commit
 * mode, set per request with the `x-modelmesh-stream-commit` header (`first_token`, `complete`, a bounded buffer
 * larger than the answer: `chars=1000`, and for streams `ms=1000`) × alone / with a healthy fallback. Every call
 * must
 * 1. end inside the deadline (plus a small margin), measured in wall time;
 * 2. never present a truncated answer as complete: an answer is exactly `echo: <prompt>`, ending with `stop`
 *    (a stream that ends without an error event but short of the answer fails here);
 * 3. fail only with the SDK's APIError carrying a `code` and the ModelMesh code (`modelmesh_code: MM_…`), with an
 *    HTTP status when it failed before the stream started; an interruption after the stream started arrives as
 *    an SSE error event (`stream_interrupted`), which the SDK throws;
 * 4. with a healthy fallback, end in the full answer — except a content-policy refusal (400 `content_filter`)
 *    and, only when output was already released (`first_token`), a fault that strikes after the commit point
 *    (`POST_COMMIT_FAULT_KINDS`), which may end in an interruption after a prefix of the answer. While a mode
 *    holds the output (`complete`, a buffer larger than the answer) nothing reaches the client before a failure,
 *    and post-commit faults MUST end in the full answer from the fallback.
 * The table follows `faultCatalogue()`: a fault added there is covered here without edits.
 *
 * Plus: `routing.stream.commit` in the proxy's YAML file, and a 400 `invalid_stream_commit` for a bad header.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { faultCatalogue, POST_COMMIT_FAULT_KINDS, startMockProvider, type Fault, type MockProvider } from "@modelmesh/testing/server";
import { meshConfig, sdk, start } from "./support/harness.js";

const PROMPT = "tell me five words now";
const FULL = `echo: ${PROMPT}`;
const DEADLINE_MS = 2500;
/** Allowed overrun of the deadline (timer granularity, socket teardown, a loaded CI machine). */
const MARGIN_MS = 1500;
/** The harness's short timeouts; `response` is left unset, as by default. */
const ROUTING = { deadline: `${DEADLINE_MS}ms`, timeouts: { connect: "400ms", first_token: "600ms", idle: "300ms" } };
/** Both models declare the same window: after context_length_exceeded the equal-window fallback is tried. */
const MODEL = { context_window: 8192 };
/** A single malformed event is skipped; the stream counts as broken only at this many (docs/routing-defaults.md). */
const MALFORMED_LIMIT = 3;
const HEADER = "x-modelmesh-stream-commit";

const FAULTS = faultCatalogue({ slowFirstTokenMs: 4 * DEADLINE_MS });

interface Mode {
  /** The header value. */
  header: string;
  /** True when this mode holds the whole of the mock's answer until the attempt ended cleanly. */
  holdsWholeAnswer: boolean;
  /** Only meaningful for streams. */
  streamOnly?: boolean;
}

const MODES: Mode[] = [
  { header: "first_token", holdsWholeAnswer: false },
  { header: "complete", holdsWholeAnswer: true },
  { header: "chars=1000", holdsWholeAnswer: true },
  // Longer than the idle timeout: a stall is detected while the output is still held.
  { header: "ms=1000", holdsWholeAnswer: true, streamOnly: true },
];

/** The fault damages a stream after its first content delta (a single malformed event is skipped, not fatal). */
function strikesAfterCommit(fault: Fault): boolean {
  if (!POST_COMMIT_FAULT_KINDS.includes(fault.kind)) return false;
  if (fault.kind === "malformed-chunk") return (fault.count ?? 1) >= MALFORMED_LIMIT;
  return true;
}

type Outcome =
  | { kind: "answer"; text: string; finish: string | null | undefined }
  /** `partial`: the text the client had received before the error. */
  | { kind: "error"; error: InstanceType<typeof OpenAI.APIError>; partial: string };

function failure(error: unknown, partial: string): Outcome {
  // Anything but the SDK's APIError (a connection error, a TypeError, a hang) fails the test.
  if (!(error instanceof OpenAI.APIError) || error instanceof OpenAI.APIConnectionError) throw error;
  return { kind: "error", error, partial };
}

async function plain(client: OpenAI, headers: Record<string, string>): Promise<Outcome> {
  try {
    const completion = await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: PROMPT }] }, { headers });
    return { kind: "answer", text: completion.choices[0]!.message.content ?? "", finish: completion.choices[0]!.finish_reason };
  } catch (error) {
    return failure(error, "");
  }
}

async function streamed(client: OpenAI, headers: Record<string, string>): Promise<Outcome> {
  let text = "";
  let finish: string | null | undefined;
  try {
    const stream = await client.chat.completions.create({ model: "chat", stream: true, messages: [{ role: "user", content: PROMPT }] }, { headers });
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    return { kind: "answer", text, finish };
  } catch (error) {
    return failure(error, text);
  }
}

/** The ModelMesh code of an error body (`error.modelmesh_code`). */
function meshCode(error: InstanceType<typeof OpenAI.APIError>): unknown {
  return (error.error as { modelmesh_code?: unknown } | undefined)?.modelmesh_code;
}

/** Assertion 3: a typed error: a code, the ModelMesh code, a status unless it came as an SSE error event. */
function expectTyped(outcome: Extract<Outcome, { kind: "error" }>): void {
  const { error } = outcome;
  expect(error.code).toMatch(/^[a-z_]+$/);
  expect(error.code).not.toBe("internal_error");
  expect(meshCode(error)).toMatch(/^MM_[A-Z_]+$/);
  expect(error.message).toContain("[modelmesh]");
  if (error.status === undefined) {
    // Only an error event inside a started stream has no status: it must be an interruption.
    expect(error.code).toBe("stream_interrupted");
  } else {
    expect(error.status).toBeGreaterThanOrEqual(400);
    expect(outcome.partial).toBe("");
  }
}

/** Assertion 2: an answer is whole, and ended as a complete answer does. */
function expectWhole(outcome: Outcome): void {
  expect(outcome).toMatchObject({ kind: "answer", text: FULL, finish: "stop" });
}

/** An interruption after output was released: an SSE error event after a strict, non-empty prefix of the answer. */
function expectInterruption(outcome: Outcome): void {
  expect(outcome.kind).toBe("error");
  const { error, partial } = outcome as Extract<Outcome, { kind: "error" }>;
  expect(error.status).toBeUndefined();
  expect(error.code).toBe("stream_interrupted");
  expect(meshCode(error)).toBe("MM_STREAM_INTERRUPTED");
  expect(error.message).toMatch(/\[p0\//); // names the route whose stream broke
  expect(partial.length).toBeGreaterThan(0);
  expect(partial.length).toBeLessThan(FULL.length);
  expect(FULL.startsWith(partial)).toBe(true);
}

async function timed(fn: () => Promise<Outcome>): Promise<{ outcome: Outcome; ms: number }> {
  const started = performance.now();
  const outcome = await fn();
  return { outcome, ms: performance.now() - started };
}

const CALLS = [
  ["plain", plain],
  ["stream", streamed],
] as const;

describe.each(CALLS)("fault matrix through the proxy: %s requests", (callKind, call) => {
  const stream = callKind === "stream";
  let faulty: MockProvider;
  let healthy: MockProvider;
  beforeAll(async () => {
    faulty = await startMockProvider();
    healthy = await startMockProvider();
  });
  afterAll(async () => {
    await faulty.close();
    await healthy.close();
  });

  /** A fresh proxy per case: the fault's effect on the faulty route's state must not leak into the next case. */
  async function runCase(fault: Fault, mode: Mode, urls: () => string[]): Promise<Outcome> {
    faulty.reset();
    healthy.reset();
    faulty.fault({ fault });
    const { proxy } = await start(meshConfig(urls(), { routing: ROUTING }, MODEL));
    try {
      const { outcome, ms } = await timed(() => call(sdk(proxy), { [HEADER]: mode.header }));
      // 1. no hang past the deadline
      expect(ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
      // the fault was exercised: the faulty provider (first in priority order) was called
      expect(faulty.calls.length).toBeGreaterThanOrEqual(1);
      return outcome;
    } finally {
      await proxy.close();
    }
  }

  describe.each(MODES.filter((m) => stream || !m.streamOnly))("commit $header", (mode) => {
    it.each(FAULTS)("alone, $name: the full answer or a clean typed error, inside the deadline", async ({ fault }) => {
      const outcome = await runCase(fault, mode, () => [faulty.url]);
      if (outcome.kind === "answer") return expectWhole(outcome);
      expectTyped(outcome);
      if (stream && !mode.holdsWholeAnswer && outcome.error.code === "stream_interrupted") {
        expect(strikesAfterCommit(fault)).toBe(true);
        expectInterruption(outcome);
      } else {
        // Failed before anything was released: an HTTP error status, no text.
        expect(outcome.error.status).toBeGreaterThanOrEqual(400);
        expect(outcome.partial).toBe("");
      }
    });

    it.each(FAULTS)("with a healthy fallback, $name: the fallback serves the full answer (or a caller error surfaces)", async ({ fault }) => {
      const outcome = await runCase(fault, mode, () => [faulty.url, healthy.url]);
      if (fault.kind === "content-policy") {
        expect(outcome).toMatchObject({ kind: "error", partial: "" });
        const error = outcome as Extract<Outcome, { kind: "error" }>;
        expect(error.error.status).toBe(400);
        expect(error.error.code).toBe("content_filter");
        expectTyped(error);
        expect(healthy.calls).toHaveLength(0); // surfaced, not failed over
        return;
      }
      if (stream && !mode.holdsWholeAnswer && strikesAfterCommit(fault) && outcome.kind === "error") {
        // Output was released at the first token: an honest interruption, never a silent truncation.
        expectTyped(outcome);
        expectInterruption(outcome);
        return;
      }
      if (outcome.kind === "error") expectTyped(outcome); // a readable failure message before failing below
      expectWhole(outcome);
    });
  });
});

describe("stream commit mode: proxy config and header", () => {
  let faulty: MockProvider;
  let healthy: MockProvider;
  let dir: string;
  beforeAll(async () => {
    faulty = await startMockProvider();
    healthy = await startMockProvider();
    dir = await mkdtemp(join(tmpdir(), "modelmesh-proxy-matrix-"));
  });
  afterAll(async () => {
    await Promise.all([faulty.close(), healthy.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  /** A proxy loading a YAML file with both mocks (the faulty one first) and `routingExtra` under `routing:`. */
  async function yamlProxy(name: string, routingExtra: string) {
    const file = join(dir, `${name}.yaml`);
    const providers = [faulty.url, healthy.url]
      .map((url, i) => `  p${i}:\n    connector: openai-compatible\n    config: { base_url: "${url}", api_key: sk-upstream }\n    models:\n      - id: mock-model\n        capabilities: [chat-completion]\n`)
      .join("");
    await writeFile(
      file,
      `providers:\n${providers}pools:\n  chat:\n    capability: chat-completion\n    retry: { max_attempts: 1, initial_delay: 5ms, max_delay: 50ms }\n` +
        `routing:\n  deadline: ${DEADLINE_MS}ms\n  timeouts: { connect: 400ms, first_token: 600ms, idle: 300ms }\n${routingExtra}`,
    );
    return (await start("", { configPath: file, watch: false })).proxy;
  }

  async function cutStream(name: string, routingExtra: string, headers: Record<string, string> = {}): Promise<Outcome> {
    faulty.reset();
    healthy.reset();
    faulty.fault({ fault: { kind: "cut-after", tokens: 2 } });
    const proxy = await yamlProxy(name, routingExtra);
    try {
      const { outcome, ms } = await timed(() => streamed(sdk(proxy), headers));
      expect(ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
      expect(faulty.calls.length).toBeGreaterThanOrEqual(1);
      return outcome;
    } finally {
      await proxy.close();
    }
  }

  it("`routing.stream.commit: complete` in the YAML file: a stream cut after 2 tokens ends in the full answer, without the header", async () => {
    const outcome = await cutStream("complete", "  stream: { commit: complete }\n");
    expectWhole(outcome);
    expect(healthy.calls).toHaveLength(1);
  });

  it("without it (the default, first_token) the same cut is an SSE error event", async () => {
    const outcome = await cutStream("default", "");
    expectInterruption(outcome);
    expect(healthy.calls).toHaveLength(0);
  });

  it("the header overrides the config for one request", async () => {
    const outcome = await cutStream("override", "  stream: { commit: complete }\n", { [HEADER]: "first_token" });
    expectInterruption(outcome);
  });

  it.each(["first_token", "complete", "chars=1000", "ms=1000", "ms=1s"])("every documented header form is accepted: %s", async (value) => {
    faulty.reset();
    healthy.reset();
    const { proxy } = await start(meshConfig([faulty.url, healthy.url], { routing: ROUTING }, MODEL));
    try {
      const outcome = await streamed(sdk(proxy), { [HEADER]: value });
      if (outcome.kind === "error") expect(`${outcome.error.status} ${outcome.error.code}: ${outcome.error.message}`).toBe("no error");
      expectWhole(outcome);
      expect(faulty.calls).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });

  it.each(["sometimes", "chars=0", "ms=-5", "chars=", "complete,first_token"])("an invalid header value (%s) is a 400 invalid_stream_commit, and nothing is sent upstream", async (value) => {
    faulty.reset();
    healthy.reset();
    const { proxy } = await start(meshConfig([faulty.url, healthy.url], { routing: ROUTING }, MODEL));
    try {
      const outcome = await streamed(sdk(proxy), { [HEADER]: value });
      expect(outcome.kind).toBe("error");
      const { error } = outcome as Extract<Outcome, { kind: "error" }>;
      expect(error.status).toBe(400);
      expect(error.code).toBe("invalid_stream_commit");
      expect(error.message).toContain(HEADER);
      expect(faulty.calls).toHaveLength(0);
      expect(healthy.calls).toHaveLength(0);
    } finally {
      await proxy.close();
    }
  });
});
