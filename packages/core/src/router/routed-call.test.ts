/**
 * The call options a routed attempt hands its provider: `signal` is an own enumerable property (a spread of the
 * options copies it), the same AbortSignal however often it is read, and it follows the caller's abort.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConnectorRegistry, createMesh, LazyAbort, type CallOptions, type ChatCompletion, type ProviderConnectorV1 } from "../index.js";

function capturingProvider(onCall: (options: CallOptions) => Promise<void>): ProviderConnectorV1 {
  const completion: ChatCompletion = { id: "c", object: "chat.completion", created: 0, model: "m", choices: [{ index: 0, message: { role: "assistant", content: "ok", refusal: null }, finish_reason: "stop", logprobs: null }] } as unknown as ChatCompletion;
  return {
    specificationVersion: "v1",
    id: "cap",
    listModels: async () => [{ id: "m", capabilities: ["generation.text-generation.chat-completion"] }],
    complete: async (_request: unknown, options: unknown) => {
      await onCall(options as CallOptions);
      return completion;
    },
    close: async () => {},
    stream: async function* () {
      yield* [];
    },
  } as unknown as ProviderConnectorV1;
}

async function meshWith(onCall: (options: CallOptions) => Promise<void>) {
  const registry = new ConnectorRegistry({
    connectors: [{ id: "test.capture.v1", type: "provider" as const, specificationVersion: "v1" as const, runtime: "universal" as const, configSchema: z.object({}).passthrough(), create: () => capturingProvider(onCall) }],
  });
  return createMesh({ providers: { cap: { connector: "test.capture.v1", config: {} } }, models: { "cap.m": { provider: "cap", capabilities: ["chat-completion"] } }, pools: { chat: { models: ["cap.m"] } } }, { registry, env: {} });
}

describe("a routed call's options", () => {
  it("carry `signal` as an own enumerable property, stable across reads and copied by a spread", async () => {
    let seen: { keys: string[]; same: boolean; spread: boolean; isSignal: boolean } | undefined;
    const mesh = await meshWith(async (options) => {
      const first = options.signal;
      seen = { keys: Object.keys(options), same: options.signal === first, spread: { ...options }.signal === first, isSignal: first instanceof AbortSignal };
    });
    try {
      await mesh.router.chat({ model: "chat", messages: [{ role: "user", content: "hi" }] });
      expect(seen?.keys).toContain("signal");
      expect(seen).toMatchObject({ same: true, spread: true, isSignal: true });
    } finally {
      await mesh.close();
    }
  });

  it("abort their signal when the caller aborts", async () => {
    const caller = new LazyAbort();
    let aborted: unknown;
    const mesh = await meshWith(async (options) => {
      const signal = options.signal;
      const done = new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      caller.abort(new Error("caller went away"));
      await done;
      aborted = signal.aborted;
    });
    try {
      await expect(mesh.router.chat({ model: "chat", messages: [{ role: "user", content: "hi" }] }, { abort: caller })).rejects.toMatchObject({ code: "MM_ABORTED" });
      await expect.poll(() => aborted, { timeout: 2000 }).toBe(true);
    } finally {
      await mesh.close();
    }
  });
});
