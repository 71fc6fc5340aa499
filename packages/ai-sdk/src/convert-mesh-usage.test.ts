import { describe, expect, it } from "vitest";
import { convertMeshUsage } from "./convert-mesh-usage.js";
import { mapMeshFinishReason } from "./map-mesh-finish-reason.js";

describe("convertMeshUsage", () => {
  it("splits cached input and reasoning output", () => {
    const raw = { prompt_tokens: 100, completion_tokens: 40, total_tokens: 140, prompt_tokens_details: { cached_tokens: 30 }, completion_tokens_details: { reasoning_tokens: 10 } };
    expect(convertMeshUsage(raw)).toEqual({
      inputTokens: { total: 100, noCache: 70, cacheRead: 30, cacheWrite: undefined },
      outputTokens: { total: 40, text: 30, reasoning: 10 },
      raw,
    });
  });

  it("missing usage is unknown, not zero", () => {
    expect(convertMeshUsage(undefined).inputTokens.total).toBeUndefined();
    expect(convertMeshUsage(null).outputTokens.total).toBeUndefined();
  });
});

describe("mapMeshFinishReason", () => {
  it.each([
    ["stop", "stop"],
    ["length", "length"],
    ["content_filter", "content-filter"],
    ["tool_calls", "tool-calls"],
    ["function_call", "tool-calls"],
    ["something_new", "other"],
  ])("%s → %s, keeping the raw value", (raw, unified) => {
    expect(mapMeshFinishReason(raw)).toEqual({ unified, raw });
  });

  it("no finish reason is other with no raw value", () => {
    expect(mapMeshFinishReason(null)).toEqual({ unified: "other", raw: undefined });
  });
});
