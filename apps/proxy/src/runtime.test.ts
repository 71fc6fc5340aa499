import type { IncomingMessage } from "node:http";
import { LazyAbort } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { routeOptions, type RequestContext } from "./runtime.js";

/** A request context with just what `routeOptions` reads, whose headers count how often they are listed. */
function contextWith(headers: IncomingMessage["headers"]): { ctx: RequestContext; listed: () => number } {
  let listed = 0;
  const counted = new Proxy(headers, {
    ownKeys(target) {
      listed++;
      return Reflect.ownKeys(target);
    },
  });
  const ctx = { req: { headers: counted } as unknown as IncomingMessage, requestId: "mmp-test-1", abort: new LazyAbort() } as unknown as RequestContext;
  return { ctx, listed: () => listed };
}

describe("routeOptions", () => {
  it("hands the router the request's abort and id, and builds the header record only when read, once", () => {
    const { ctx, listed } = contextWith({ "x-session-id": "s-1", authorization: "Bearer secret-token", cookie: "c=1", "x-multi": ["a", "b"] as unknown as string });
    const options = routeOptions(ctx);
    expect(options.abort).toBe(ctx.abort);
    expect(options.requestId).toBe("mmp-test-1");
    expect(listed()).toBe(0);
    // Credentials never reach the router (the record is for session keys; nothing is forwarded upstream).
    expect(options.headers).toEqual({ "x-session-id": "s-1", "x-multi": "a, b" });
    expect(options.headers).toBe(options.headers);
    expect(listed()).toBe(1);
  });
});
