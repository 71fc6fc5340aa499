import { APICallError } from "@ai-sdk/provider";
import { ModelMeshError, RoutingError } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { mapMeshError } from "./map-mesh-error.js";

const context = { modelId: "chat pool", body: { model: "chat pool", messages: [] } };

describe("mapMeshError", () => {
  it("a ModelMesh error becomes a non-retryable APICallError with the code, status and attempts", () => {
    const trace = {
      requestId: "r",
      requested: "chat",
      kind: "chat" as const,
      stream: false,
      requirements: [],
      candidates: [],
      warnings: [],
      startedAt: 0,
      deadlineMs: 1,
      attempts: [
        { attempt: 1, routeId: "a/m", modelId: "m", providerId: "a", selectedBy: "priority", reason: "first", startedAt: 0, latencyMs: 5, ok: false, action: "rotate" as const, error: { code: "MM_RATE_LIMIT" as const, category: "rate_limit" as const, status: 429, message: "slow down" } },
        { attempt: 2, routeId: "b/m", modelId: "m", providerId: "b", selectedBy: "priority", reason: "next", startedAt: 0, latencyMs: 5, ok: false, action: "surface" as const, error: { code: "MM_SERVER" as const, category: "server" as const, status: 502, message: "bad gateway" } },
      ],
    };
    const cause = new RoutingError({ code: "MM_ROUTING_EXHAUSTED", category: "routing", message: "[modelmesh] [pool chat] every route failed.", trace, retryable: true });
    const mapped = mapMeshError(cause, context) as APICallError;
    expect(APICallError.isInstance(mapped)).toBe(true);
    expect(mapped.isRetryable).toBe(false);
    expect(mapped.message).toBe("[modelmesh] [pool chat] every route failed. (ModelMesh code MM_ROUTING_EXHAUSTED)");
    expect(mapped.statusCode).toBe(502);
    expect(mapped.url).toBe("modelmesh:chat/completions?model=chat%20pool");
    expect(mapped.requestBodyValues).toBe(context.body);
    expect(mapped.cause).toBe(cause);
    expect(mapped.data).toMatchObject({ code: "MM_ROUTING_EXHAUSTED", category: "routing", status: 502, attempts: [{ provider: "a", error: { status: 429 } }, { provider: "b", error: { status: 502 } }] });
  });

  it("the error's own status wins over the attempts'", () => {
    const mapped = mapMeshError(new ModelMeshError({ code: "MM_AUTH", category: "auth", message: "no", status: 401 }), context) as APICallError;
    expect(mapped.statusCode).toBe(401);
    expect(mapped.data).toMatchObject({ code: "MM_AUTH", attempts: [] });
  });

  it("other errors pass through unchanged; a caller abort gives the abort reason", () => {
    const other = new TypeError("bad");
    expect(mapMeshError(other, context)).toBe(other);
    const controller = new AbortController();
    const reason = new Error("stop now");
    controller.abort(reason);
    expect(mapMeshError(new ModelMeshError({ code: "MM_ABORTED", category: "cancelled", message: "x" }), { ...context, signal: controller.signal })).toBe(reason);
  });
});
