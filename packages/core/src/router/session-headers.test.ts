/**
 * `RequestOptions.headers` is read only when the pool keys sessions by a header: a caller (the proxy) may
 * build the record on read, and most requests never pay for it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectorRegistry, type Mesh, type SelectionStrategyV1 } from "../index.js";
import { chatModel, meshFor, testProviderConnector, user } from "../../test/support/mesh.js";
import { startUpstream, type Upstream } from "../../test/support/upstream.js";

let upstream: Upstream;
let mesh: Mesh;
const sessionKeys: Array<string | undefined> = [];
const capture: SelectionStrategyV1 = {
  specificationVersion: "v1",
  id: "test.capture-session.v1",
  select(candidates, context) {
    sessionKeys.push(context.sessionKey);
    return candidates.length > 0 ? { routeId: candidates[0]!.routeId, reason: "first" } : null;
  },
};

/** Options whose `headers` count their reads. */
function countingOptions(headers: Record<string, string>): { options: { requestId: string; readonly headers: Record<string, string> }; reads: () => number } {
  let reads = 0;
  return {
    options: {
      requestId: "lazy-headers",
      get headers() {
        reads++;
        return headers;
      },
    },
    reads: () => reads,
  };
}

beforeAll(async () => {
  upstream = await startUpstream();
  const registry = new ConnectorRegistry({
    connectors: [testProviderConnector, { id: "test.capture-session.v1", type: "rotation", role: "selection", specificationVersion: "v1", runtime: "universal", create: () => capture }],
  });
  mesh = await meshFor(
    {
      providers: { pa: { connector: "test.fetch.v1", config: { base_url: upstream.url } } },
      models: { "pa.m": chatModel("pa") },
      pools: {
        plain: { models: ["pa.m"], strategy: "test.capture-session.v1" },
        keyed: { models: ["pa.m"], strategy: "test.capture-session.v1", session: { header: "X-Session-Id" } },
      },
    },
    { registry },
  );
});
afterAll(async () => {
  await mesh?.close();
  await upstream?.close();
});

describe("request headers", () => {
  it("are not read for a pool without a session header (the session key comes from the body)", async () => {
    sessionKeys.length = 0;
    const { options, reads } = countingOptions({ "x-session-id": "from-header" });
    await mesh.router.chat({ model: "plain", messages: user("hi"), user: "from-body" }, options);
    expect(reads()).toBe(0);
    expect(sessionKeys).toEqual(["from-body"]);
  });

  it("are read, once, for a pool keyed by a header, and the header's value is the session key", async () => {
    sessionKeys.length = 0;
    const { options, reads } = countingOptions({ "x-session-id": "from-header" });
    await mesh.router.chat({ model: "keyed", messages: user("hi"), user: "from-body" }, options);
    expect(reads()).toBe(1);
    expect(sessionKeys).toEqual(["from-header"]);
    // Without the header, the body's field still keys the session.
    const without = countingOptions({});
    await mesh.router.chat({ model: "keyed", messages: user("hi"), user: "from-body" }, without.options);
    expect(sessionKeys).toEqual(["from-header", "from-body"]);
  });
});
