/**
 * Acceptance fault matrix of issue 10 ("failover that holds at defaults"), in process through create():
 * every fault of `faultCatalogue()` × plain / stream × stream commit mode (`first_token`, `complete`, a bounded
 * buffer larger than the answer: `{ chars: 1000 }`, and for streams `{ ms: 1000 }`) × alone / with a healthy
 * fallback. Every call must
 * 1. end inside the deadline (plus a small margin), measured in wall time;
 * 2. never present a truncated answer as complete: an answer is exactly `echo: <prompt>`, ending with `stop`;
 * 3. fail only with a typed ModelMeshError (an `MM_` code, a category) that names the failed route or its cause;
 * 4. with a healthy fallback, end in the full answer — except a content-policy refusal (a caller error that
 *    must surface) and, only when output was already released (`first_token`), a fault that strikes after the
 *    commit point (`POST_COMMIT_FAULT_KINDS`), which may end in `MM_STREAM_INTERRUPTED` after a prefix of the
 *    answer. While a mode holds the output (`complete`, a buffer larger than the answer) nothing reaches the
 *    caller before a failure, and post-commit faults MUST end in the full answer from the fallback.
 * The table follows `faultCatalogue()`: a fault added there is covered here without edits.
 *
 * Plus: the commit mode set per pool in a YAML file, bounded buffers smaller than the output already sent, and
 * a resume whose continuation breaks too (the error names the original interruption).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { faultCatalogue, POST_COMMIT_FAULT_KINDS, startMockProvider, type Fault, type MockProvider } from "@modelmesh/testing/server";
import { create, getTrace, isModelMeshError, type MeshClient, type MeshRequestOptions, type ModelMeshError } from "../src/index.js";

const PROMPT = "tell me five words now";
const FULL = `echo: ${PROMPT}`;
const DEADLINE_MS = 2500;
/** Allowed overrun of the deadline (timer granularity, socket teardown, a loaded CI machine). */
const MARGIN_MS = 1000;
/**
 * Short per-attempt timeouts so the matrix stays fast. `response` is left unset, as by default: a non-streamed
 * answer whose body goes silent after the headers must still fail over (the gaps in its body are bounded by `idle`).
 */
const TIMEOUTS = { connect: "400ms", first_token: "600ms", idle: "300ms" };
const IDLE_MS = 300;
/** Both models declare the same window: after context_length_exceeded the equal-window fallback is tried. */
const CONTEXT_WINDOW = 8192;
/** A single malformed event is skipped; the stream counts as broken only at this many (docs/routing-defaults.md). */
const MALFORMED_LIMIT = 3;

const FAULTS = faultCatalogue({ slowFirstTokenMs: 4 * DEADLINE_MS });

type StreamCommit = NonNullable<MeshRequestOptions["streamCommit"]>;

interface Mode {
  label: string;
  commit: StreamCommit;
  /** True when this mode holds the whole of the mock's answer until the attempt ended cleanly. */
  holdsWholeAnswer: boolean;
  /** Only meaningful for streams. */
  streamOnly?: boolean;
}

const BUFFER_CHARS = 1000;
/** Longer than the idle timeout: a stall is detected while the output is still held. */
const BUFFER_MS = 1000;
const MODES: Mode[] = [
  { label: "first_token", commit: "first_token", holdsWholeAnswer: false },
  { label: "complete", commit: "complete", holdsWholeAnswer: true },
  { label: `chars=${BUFFER_CHARS}`, commit: { chars: BUFFER_CHARS }, holdsWholeAnswer: true },
  { label: `ms=${BUFFER_MS}`, commit: { ms: BUFFER_MS }, holdsWholeAnswer: true, streamOnly: true },
];

/** The fault damages a stream after its first content delta (a single malformed event is skipped, not fatal). */
function strikesAfterCommit(fault: Fault): boolean {
  if (!POST_COMMIT_FAULT_KINDS.includes(fault.kind)) return false;
  if (fault.kind === "malformed-chunk") return (fault.count ?? 1) >= MALFORMED_LIMIT;
  return true;
}

function providerEntry(url: string, model: Record<string, unknown> = {}) {
  return { connector: "openai-compatible", config: { base_url: url, api_key: "sk-test" }, models: [{ id: "mock-model", capabilities: ["chat-completion"], context_window: CONTEXT_WINDOW, ...model }] };
}

function clientFor(urls: string[], routing: Record<string, unknown> = {}): MeshClient {
  return create({
    env: {},
    config: {
      providers: Object.fromEntries(urls.map((url, i) => [`p${i}`, providerEntry(url)])),
      pools: { chat: { capability: "chat-completion", retry: { max_attempts: 1, initial_delay: "5ms", max_delay: "50ms" } } },
      routing: { deadline: `${DEADLINE_MS}ms`, timeouts: TIMEOUTS, ...routing },
    },
  });
}

type Outcome =
  | { kind: "answer"; text: string; finish: string | null | undefined }
  /** `partial`: the text the caller had received before the error. */
  | { kind: "error"; error: ModelMeshError; partial: string };

function failure(error: unknown, partial: string): Outcome {
  // Anything but a ModelMeshError (a TypeError, an AbortError, a raw undici error) fails the test.
  if (!isModelMeshError(error)) throw error;
  return { kind: "error", error, partial };
}

async function plain(client: MeshClient, options: MeshRequestOptions): Promise<Outcome> {
  try {
    const completion = await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: PROMPT }] }, options);
    return { kind: "answer", text: completion.choices[0]!.message.content ?? "", finish: completion.choices[0]!.finish_reason };
  } catch (error) {
    return failure(error, "");
  }
}

async function streamed(client: MeshClient, options: MeshRequestOptions): Promise<Outcome> {
  let text = "";
  let finish: string | null | undefined;
  try {
    const stream = await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: PROMPT }], stream: true }, options);
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    return { kind: "answer", text, finish };
  } catch (error) {
    return failure(error, text);
  }
}

async function timed(fn: () => Promise<Outcome>): Promise<{ outcome: Outcome; ms: number }> {
  const started = performance.now();
  const outcome = await fn();
  return { outcome, ms: performance.now() - started };
}

/** Every text of an error, its causes and (for a RoutingError) its attempts' errors: where the failure is named. */
function causeChain(error: unknown, depth = 0): string {
  if (!(error instanceof Error) || depth > 6) return "";
  const attempts = (error as { attempts?: unknown[] }).attempts ?? [];
  return [error.message, causeChain(error.cause, depth + 1), ...attempts.map((a) => causeChain(a, depth + 1))].join("\n");
}

/** Assertion 3: a typed error with an MM_ code and a category, naming the faulty route (p0) or its cause. */
function expectTyped(error: ModelMeshError): void {
  expect(error.code).toMatch(/^MM_[A-Z_]+$/);
  expect(error.code).not.toBe("MM_INTERNAL");
  expect(typeof error.category).toBe("string");
  expect(error.category).not.toBe("internal");
  expect(error.message).toMatch(/^\[modelmesh\] /);
  expect(causeChain(error)).toContain("p0");
  if (error.code === "MM_STREAM_INTERRUPTED") {
    expect(error.message).toMatch(/^\[modelmesh\] \[p0\//); // the route whose stream broke
    expect(error.metadata.causeCode).toMatch(/^MM_/);
    expect(typeof error.metadata.causeCategory).toBe("string");
  }
}

/** Assertion 2: an answer is whole, and ended as a complete answer does. */
function expectWhole(outcome: Outcome): void {
  expect(outcome).toMatchObject({ kind: "answer", text: FULL, finish: "stop" });
}

/** An interruption after output was released: the caller holds a strict, non-empty prefix of the answer. */
function expectInterruption(outcome: Extract<Outcome, { kind: "error" }>): void {
  expect(outcome.error.code).toBe("MM_STREAM_INTERRUPTED");
  expect(outcome.partial.length).toBeGreaterThan(0);
  expect(outcome.partial.length).toBeLessThan(FULL.length);
  expect(FULL.startsWith(outcome.partial)).toBe(true);
  expect((outcome.error as ModelMeshError & { deliveredChars?: number }).deliveredChars).toBe(outcome.partial.length);
}

const CALLS = [
  ["plain", plain],
  ["stream", streamed],
] as const;

describe.each(CALLS)("fault matrix through create(): %s requests", (callKind, call) => {
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

  async function runCase(fault: Fault, mode: Mode, urls: () => string[]): Promise<Outcome> {
    faulty.reset();
    healthy.reset();
    faulty.fault({ fault });
    const client = clientFor(urls());
    try {
      const { outcome, ms } = await timed(() => call(client, { streamCommit: mode.commit }));
      // 1. no hang past the deadline
      expect(ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
      // the fault was exercised: the faulty provider (first in priority order) was called
      expect(faulty.calls.length).toBeGreaterThanOrEqual(1);
      return outcome;
    } finally {
      await client.close();
    }
  }

  describe.each(MODES.filter((m) => stream || !m.streamOnly))("commit $label", (mode) => {
    it.each(FAULTS)("alone, $name: the full answer or a typed error, inside the deadline", async ({ fault }) => {
      const outcome = await runCase(fault, mode, () => [faulty.url]);
      if (outcome.kind === "answer") return expectWhole(outcome);
      expectTyped(outcome.error);
      if (stream && !mode.holdsWholeAnswer && outcome.error.code === "MM_STREAM_INTERRUPTED") {
        expect(strikesAfterCommit(fault)).toBe(true);
        expectInterruption(outcome);
      } else {
        // Failed before anything was released: the caller saw no text, and the error is not an interruption.
        expect(outcome.error.code).not.toBe("MM_STREAM_INTERRUPTED");
        expect(outcome.partial).toBe("");
      }
    });

    it.each(FAULTS)("with a healthy fallback, $name: the fallback serves the full answer (or a caller error surfaces)", async ({ fault }) => {
      const outcome = await runCase(fault, mode, () => [faulty.url, healthy.url]);
      if (fault.kind === "content-policy") {
        expect(outcome).toMatchObject({ kind: "error", partial: "" });
        const { error } = outcome as Extract<Outcome, { kind: "error" }>;
        expect(error.category).toBe("content_filter");
        expectTyped(error);
        expect(healthy.calls).toHaveLength(0); // surfaced, not failed over
        return;
      }
      if (stream && !mode.holdsWholeAnswer && strikesAfterCommit(fault) && outcome.kind === "error") {
        // Output was released at the first token: an honest interruption, never a silent truncation.
        expectTyped(outcome.error);
        expectInterruption(outcome);
        return;
      }
      if (outcome.kind === "error") expectTyped(outcome.error); // a readable failure message before failing below
      expectWhole(outcome);
    });
  });
});

describe("commit mode from the config file: pools.<id>.stream.commit", () => {
  let faulty: MockProvider;
  let healthy: MockProvider;
  let dir: string;
  beforeAll(async () => {
    faulty = await startMockProvider();
    healthy = await startMockProvider();
    dir = await mkdtemp(join(tmpdir(), "modelmesh-fault-matrix-"));
  });
  afterAll(async () => {
    await Promise.all([faulty.close(), healthy.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  async function yamlClient(name: string, poolExtra: string): Promise<MeshClient> {
    const file = join(dir, `${name}.yaml`);
    const providers = [faulty.url, healthy.url]
      .map((url, i) => `  p${i}:\n    connector: openai-compatible\n    config: { base_url: "${url}", api_key: sk-test }\n    models:\n      - id: mock-model\n        capabilities: [chat-completion]\n`)
      .join("");
    await writeFile(
      file,
      `providers:\n${providers}pools:\n  chat:\n    capability: chat-completion\n    retry: { max_attempts: 1, initial_delay: 5ms, max_delay: 50ms }\n${poolExtra}` +
        `routing:\n  deadline: ${DEADLINE_MS}ms\n  timeouts: { connect: 400ms, first_token: 600ms, idle: ${IDLE_MS}ms }\n`,
    );
    return create({ env: {}, config: file });
  }

  async function cutStream(client: MeshClient, options: MeshRequestOptions = {}): Promise<Outcome> {
    faulty.reset();
    healthy.reset();
    faulty.fault({ fault: { kind: "cut-after", tokens: 2 } });
    try {
      const { outcome, ms } = await timed(() => streamed(client, options));
      expect(ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
      expect(faulty.calls.length).toBeGreaterThanOrEqual(1);
      return outcome;
    } finally {
      await client.close();
    }
  }

  it("`complete` on the pool: a stream cut after 2 tokens ends in the full answer from the fallback", async () => {
    const client = await yamlClient("complete", "    stream: { commit: complete }\n");
    const outcome = await cutStream(client);
    expectWhole(outcome);
    expect(healthy.calls).toHaveLength(1);
  });

  it("without it (the default, first_token) the same cut is an interruption", async () => {
    const client = await yamlClient("default", "");
    const outcome = await cutStream(client);
    expect(outcome.kind).toBe("error");
    expectInterruption(outcome as Extract<Outcome, { kind: "error" }>);
    expect(healthy.calls).toHaveLength(0);
  });

  it("a per-request streamCommit overrides the pool's", async () => {
    const client = await yamlClient("override", "    stream: { commit: complete }\n");
    const outcome = await cutStream(client, { streamCommit: "first_token" });
    expect(outcome.kind).toBe("error");
    expectInterruption(outcome as Extract<Outcome, { kind: "error" }>);
  });
});

describe("bounded buffers smaller than the output already sent end like first_token", () => {
  let faulty: MockProvider;
  let healthy: MockProvider;
  beforeAll(async () => {
    faulty = await startMockProvider();
    healthy = await startMockProvider();
  });
  afterAll(async () => {
    await Promise.all([faulty.close(), healthy.close()]);
  });

  async function run(fault: Fault, commit: StreamCommit): Promise<Outcome> {
    faulty.reset();
    healthy.reset();
    faulty.fault({ fault });
    const client = clientFor([faulty.url, healthy.url]);
    try {
      const { outcome, ms } = await timed(() => streamed(client, { streamCommit: commit }));
      expect(ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
      return outcome;
    } finally {
      await client.close();
    }
  }

  it("{ chars: 6 }: released at the second token (`echo:` + ` tell`), so a cut right after it is an interruption", async () => {
    const outcome = await run({ kind: "cut-after", tokens: 2 }, { chars: 6 });
    expect(outcome.kind).toBe("error");
    const error = outcome as Extract<Outcome, { kind: "error" }>;
    expectInterruption(error);
    expect(error.partial).toBe("echo: tell");
    expect(healthy.calls).toHaveLength(0);
  });

  it("{ chars: 6 }: a fault before 6 characters were held still fails over invisibly", async () => {
    const outcome = await run({ kind: "error-in-stream", afterTokens: 1 }, { chars: 6 });
    expectWhole(outcome);
    expect(healthy.calls).toHaveLength(1);
  });

  it(`{ ms: 50 }: released 50 ms after the first output, so a stall detected by the ${IDLE_MS} ms idle timeout is an interruption`, async () => {
    const outcome = await run({ kind: "stall-after", tokens: 2 }, { ms: 50 });
    expect(outcome.kind).toBe("error");
    const error = outcome as Extract<Outcome, { kind: "error" }>;
    expectInterruption(error);
    expect(error.partial).toBe("echo: tell");
    expect(error.error.metadata.causeCode).toBe("MM_TIMEOUT_IDLE");
  });
});

describe("resume", () => {
  let a: MockProvider;
  let b: MockProvider;
  beforeAll(async () => {
    a = await startMockProvider();
    b = await startMockProvider();
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  it("when a resume target rejects the continuation mid-stream, the error names the original interruption", async () => {
    a.fault({ fault: { kind: "cut-after", tokens: 2 } });
    b.fault({ fault: { kind: "cut-after", tokens: 1 } }); // installed on B only: B's one request is the continuation
    const client = create({
      env: {},
      config: {
        providers: { p0: providerEntry(a.url), p1: providerEntry(b.url, { features: { assistant_prefill: true } }) },
        pools: { chat: { capability: "chat-completion", retry: { max_attempts: 1, initial_delay: "5ms", max_delay: "50ms" } } },
        routing: { deadline: `${DEADLINE_MS}ms`, timeouts: TIMEOUTS, stream: { resume: true } },
      },
    });
    try {
      const { outcome, ms } = await timed(() => streamed(client, {}));
      expect(ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
      // B was asked for a continuation: the delivered text as a trailing assistant prefill.
      expect(b.calls).toHaveLength(1);
      const messages = (b.calls[0]!.body as { messages: Array<{ role: string; content: string }> }).messages;
      expect(messages.at(-1)).toEqual({ role: "assistant", content: "echo: tell" });
      expect(outcome.kind).toBe("error");
      const { error, partial } = outcome as Extract<Outcome, { kind: "error" }>;
      expect(error.code).toBe("MM_STREAM_INTERRUPTED");
      expect(error.message).toMatch(/^\[modelmesh\] \[p0\//); // names provider A's route
      expect(error.message).not.toContain("p1/");
      expect(error.metadata.resumeError).toEqual(expect.stringContaining("p1/"));
      expect(partial.startsWith("echo: tell")).toBe(true);
      expect(partial).not.toBe(FULL);
      expect(getTrace(error)?.warnings.join("\n")).toMatch(/resume after the interruption of p0\/\S+ failed: .*\[p1\//);
    } finally {
      await client.close();
    }
  });
});
