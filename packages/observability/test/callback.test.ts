/** `CallbackObservability`: typed values to the host's functions; failures reported, never thrown; close() waits. */
import type { MeshEvent } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { CallbackObservability, callbackObservability } from "../src/index.js";

const event = { type: "route-recovered", timestamp: 1, routeId: "p/m", trigger: "probe_success", halfOpen: false } as MeshEvent;

describe("CallbackObservability", () => {
  it("passes the event object itself", () => {
    const got: MeshEvent[] = [];
    new CallbackObservability({ onEvent: (e) => void got.push(e) }).emit(event);
    expect(got[0]).toBe(event);
  });

  it("reports a throwing or rejecting handler to onError, and close() waits for pending promises", async () => {
    const errors: unknown[] = [];
    let release!: () => void;
    let finished = false;
    const sink = new CallbackObservability(
      {
        onEvent: () => {
          throw new Error("sync boom");
        },
        onTrace: () => Promise.reject(new Error("async boom")),
        onLog: () =>
          new Promise<void>((resolve) => {
            release = () => {
              finished = true;
              resolve();
            };
          }),
      },
      { onError: (e) => errors.push((e as Error).message) },
    );
    expect(() => sink.emit(event)).not.toThrow();
    sink.trace({ severity: "info", timestamp: 1, component: "mesh", message: "m" });
    sink.log({ timestamp: 1, requestId: "r", kind: "chat", stream: false, ok: true, latencyMs: 1, attempts: 1, promptTokens: 0, completionTokens: 0, costUsd: 0 });
    const closing = sink.close();
    release();
    await closing;
    expect(finished).toBe(true);
    expect(errors).toEqual(["sync boom", "async boom"]);
  });

  it("builds a descriptor with the caller's id and aliases (default app.callback.v1)", () => {
    expect(callbackObservability({})).toMatchObject({ id: "app.callback.v1", type: "observability", runtime: "universal" });
    const custom = callbackObservability({}, { id: "acme.audit.v1", aliases: ["audit"] });
    expect(custom).toMatchObject({ id: "acme.audit.v1", aliases: ["audit"] });
    expect(custom.configSchema?.safeParse({ bogus: 1 }).success).toBe(false);
  });
});
