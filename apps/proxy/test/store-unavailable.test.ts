/**
 * An unreachable live state store (docs/errors.md, `MM_STORE_UNAVAILABLE`, category `internal`) is this side's
 * failure, like a local resource error: the proxy answers 503, not 500, and names the code.
 */
import { describe, expect, it } from "vitest";
import { ModelMeshError } from "@modelmesh/core";
import { errorReply } from "../src/http/errors.js";

describe("MM_STORE_UNAVAILABLE", () => {
  it("is answered 503 state_store_unavailable; any other internal error stays 500", () => {
    const unavailable = new ModelMeshError({ code: "MM_STORE_UNAVAILABLE", category: "internal", retryable: true, message: '[modelmesh] [storage-redis] get failed for key prefix "mm:": the connection is down' });
    const reply = errorReply(unavailable);
    expect(reply.status).toBe(503);
    expect(reply.body.error).toMatchObject({ type: "server_error", code: "state_store_unavailable", modelmesh_code: "MM_STORE_UNAVAILABLE" });
    expect(errorReply(new ModelMeshError({ code: "MM_INTERNAL", category: "internal", message: "bug" })).status).toBe(500);
  });
});
