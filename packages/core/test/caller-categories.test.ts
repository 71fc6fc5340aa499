/**
 * One set of caller categories (docs/ARCHITECTURE.md §2.6), through the public API: the failures the router
 * keeps from the ledger are exactly the ones the ledger would ignore if it were told. This fails as soon as
 * the router and the ledger read different lists.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import {
  codeForCategory,
  createCooldownRecovery,
  createManualClock,
  createThresholdDeactivation,
  MemoryStateStore,
  ProviderError,
  StateLedger,
  type ErrorCategory,
  type Mesh,
  type RouteDescriptor,
} from "../src/index.js";
import { createFetchProvider } from "./support/fetch-provider.js";
import { chatModel, meshFor, user } from "./support/mesh.js";

/** Every category once (a missing or an unknown one fails to compile). */
const EVERY: Record<ErrorCategory, true> = {
  rate_limit: true,
  quota_exhausted: true,
  auth: true,
  server: true,
  network: true,
  timeout: true,
  context_length: true,
  content_filter: true,
  invalid_request: true,
  stream_interrupted: true,
  config: true,
  routing: true,
  cancelled: true,
  internal: true,
};
const CATEGORIES = Object.keys(EVERY) as ErrorCategory[];

const open: Mesh[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((mesh) => mesh.close()));
});

/** True when the router hands a failure of `category` (thrown by the only provider) to the ledger. */
async function routerReports(category: ErrorCategory): Promise<boolean> {
  const provider = createFetchProvider("pa", "http://127.0.0.1:9");
  provider.complete = async () => {
    throw new ProviderError({ code: codeForCategory(category), category, retryable: false, message: `[modelmesh] [pa] failed: ${category}`, provider: "pa" });
  };
  const mesh = await meshFor(
    {
      providers: { pa: { connector: "test-fetch", config: { base_url: "http://127.0.0.1:9" } } },
      models: { "pa.m": chatModel("pa") },
      pools: { chat: { capability: "chat-completion" } },
    },
    { providers: { pa: provider } },
  );
  open.push(mesh);
  const reported: ErrorCategory[] = [];
  const recordFailure = mesh.ledger.recordFailure.bind(mesh.ledger);
  mesh.ledger.recordFailure = (route, providerDescriptor, report, policies) => {
    reported.push(report.category);
    return recordFailure(route, providerDescriptor, report, policies);
  };
  const error = await mesh.router.chat({ model: "chat", messages: user("hi") }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeDefined();
  return reported.includes(category);
}

/** True when a fresh ledger told about a failure of `category` records anything. */
async function ledgerCounts(category: ErrorCategory): Promise<boolean> {
  const clock = createManualClock(Date.UTC(2026, 0, 10, 12));
  const ledger = new StateLedger({ store: new MemoryStateStore({ clock }), clock });
  const policies = { deactivation: createThresholdDeactivation(), recovery: createCooldownRecovery() };
  const route: RouteDescriptor = { routeId: "p/m", providerId: "p", modelId: "m", upstreamModel: "m", order: 0 };
  const result = await ledger.recordFailure(route, { providerId: "p" }, { category, latencyMs: 5 }, policies);
  const snapshot = await ledger.snapshot(route, policies);
  return result.stateChanges.length > 0 || snapshot.lastErrorCategory === category;
}

describe("caller categories", () => {
  it("the router keeps from the ledger exactly the failures the ledger ignores", async () => {
    const router: Record<string, boolean> = {};
    const ledger: Record<string, boolean> = {};
    for (const category of CATEGORIES) {
      router[category] = await routerReports(category);
      ledger[category] = await ledgerCounts(category);
    }
    expect(router).toEqual(ledger);
    // The six that count against no route: the caller's fault or choice, and failures ModelMesh raises itself.
    expect(CATEGORIES.filter((category) => !ledger[category]).sort()).toEqual(["cancelled", "config", "content_filter", "context_length", "invalid_request", "routing"]);
  });

  it("every category has its stable code, documented for that category in docs/errors.md", () => {
    const table = readFileSync(fileURLToPath(new URL("../../../docs/errors.md", import.meta.url)), "utf8");
    const documented = new Map<string, string>();
    for (const match of table.matchAll(/^\| `(MM_[A-Z_]+)` \| ([^|]+) \|/gm)) documented.set(match[1]!, match[2]!.trim());
    const codes = CATEGORIES.map((category) => codeForCategory(category));
    expect(new Set(codes).size).toBe(CATEGORIES.length);
    for (const category of CATEGORIES) {
      const code = codeForCategory(category);
      const row = documented.get(code);
      expect(row, `${code} (for ${category}) is not in docs/errors.md`).toBeDefined();
      // A row names its category, or several ("stream_interrupted / server"); the routing summary names its cause's.
      if (row !== "category of the most meaningful cause") expect(row!.split(" / ")).toContain(category);
    }
  });
});
