/**
 * The provider suite passes a correct raw-interface provider and fails each deliberately broken one on the
 * check that covers its defect (and only there, among the checks run).
 */
import type { ProviderConnectorV1 } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import {
  BlankCapabilityProvider,
  CloseOnceProvider,
  DuplicateModelProvider,
  EverythingIsServerProvider,
  MalformedKillsStreamProvider,
  SilentResponseProvider,
  SlowTimeoutProvider,
  SwallowingStreamProvider,
} from "../src/conformance/__fixtures__/broken.js";
import { ReferenceProvider, type ReferenceConfig } from "../src/conformance/__fixtures__/reference-provider.js";
import { describeProviderConformance, failedChecks, providerConformance, providerConformanceChecks, runConformance } from "../src/index.js";

const pricing = { inputPerMillion: 2, outputPerMillion: 8 };

describeProviderConformance("ReferenceProvider (raw interface, fetch)", {
  create: ({ baseUrl, apiKey, model }) => new ReferenceProvider({ baseUrl, apiKey, model, pricing }),
});

type Broken = new (config: ReferenceConfig) => ProviderConnectorV1;

function run(Provider: Broken, only?: string[]) {
  return runConformance(providerConformance, { create: ({ baseUrl, apiKey, model }) => new Provider({ baseUrl, apiKey, model, pricing }) }, only ? { only } : {});
}

/** A check every broken variant still passes: proves the failures are specific. */
const CONTROL = "complete returns the upstream answer with usage";

describe("the provider suite fails broken providers on the right check", () => {
  it.each<[string, Broken, string]>([
    ["a capability path with an empty segment", BlankCapabilityProvider, "getCapabilities, when present, returns capability paths"],
    ["a model listed twice", DuplicateModelProvider, "listModels lists the served model once, with capability paths and valid prices"],
    ["close() not idempotent", CloseOnceProvider, "close is idempotent"],
    ["responses never reported to onResponse", SilentResponseProvider, "x-ratelimit-* response headers reach onResponse as rateLimit"],
    ["everything classified as server", EverythingIsServerProvider, "401 → auth, not retryable"],
    ["connect timeout ignored", SlowTimeoutProvider, "no response → a timeout ProviderError within connectMs (never hangs)"],
    ["cut stream ends cleanly", SwallowingStreamProvider, "stream: cut after N tokens → the iterator throws, never ends cleanly"],
    ["one malformed event kills the stream", MalformedKillsStreamProvider, "stream: one malformed event → skipped with a warning, the answer completes"],
  ])("%s fails only its check", async (_defect, Provider, check) => {
    const results = await run(Provider, [CONTROL, check]);
    expect(failedChecks(results)).toEqual([check]);
    expect(results.find((result) => result.name === check)?.message).toMatch(/\[conformance\]/);
  });

  it("a provider that swallows stream errors fails every stream fault check and nothing else", async () => {
    const failed = failedChecks(await run(SwallowingStreamProvider));
    expect(failed).toEqual(
      expect.arrayContaining([
        "stream: an HTTP error surfaces before any chunk",
        "stream: slow first token → first-token timeout",
        "stream: stall → idle timeout",
        "stream: repeated malformed events → throws MM_INVALID_RESPONSE",
        "stream: an error object inside a 200 stream throws, classified",
      ]),
    );
    const groups = new Set(providerConformanceChecks.filter((check) => failed.includes(check.name)).map((check) => check.group));
    expect([...groups]).toEqual(["faults"]);
  });

  it("the whole suite passes the reference provider when run without vitest", async () => {
    const results = await run(ReferenceProvider);
    expect(failedChecks(results)).toEqual([]);
    expect(results.filter((result) => result.status === "skipped").map((result) => result.name)).toEqual(["embed returns one vector per input with usage"]);
  });

  it("names an unknown check instead of silently running nothing", async () => {
    await expect(run(ReferenceProvider, ["no such check"])).rejects.toThrow(/unknown provider check/);
  });
});
