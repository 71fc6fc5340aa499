import type { JSONSchema7 } from "@ai-sdk/provider";
import { describe, expect, it } from "vitest";
import { prepareMeshTools } from "./prepare-mesh-tools.js";

const schema: JSONSchema7 = { type: "object", properties: { q: { type: "string" } }, required: ["q"] };

describe("prepareMeshTools", () => {
  it("function tools become OpenAI tools; description and strict only when given", () => {
    const prepared = prepareMeshTools(
      [
        { type: "function", name: "search", description: "Search", inputSchema: schema, strict: true },
        { type: "function", name: "plain", inputSchema: { type: "object" } },
      ],
      undefined,
    );
    expect(prepared).toEqual({
      tools: [
        { type: "function", function: { name: "search", description: "Search", parameters: schema, strict: true } },
        { type: "function", function: { name: "plain", parameters: { type: "object" } } },
      ],
      toolChoice: undefined,
      warnings: [],
    });
  });

  it.each([
    [{ type: "auto" } as const, "auto"],
    [{ type: "none" } as const, "none"],
    [{ type: "required" } as const, "required"],
    [{ type: "tool", toolName: "search" } as const, { type: "function", function: { name: "search" } }],
  ])("tool choice %j → %j", (choice, expected) => {
    expect(prepareMeshTools([{ type: "function", name: "search", inputSchema: schema }], choice).toolChoice).toEqual(expected);
  });

  it("provider tools and input examples are left out with warnings", () => {
    const prepared = prepareMeshTools(
      [
        { type: "provider", id: "openai.web_search", name: "web_search", args: {} },
        { type: "function", name: "search", inputSchema: schema, inputExamples: [{ input: { q: "x" } }] },
      ],
      { type: "auto" },
    );
    expect(prepared.tools?.map((t) => t.function.name)).toEqual(["search"]);
    expect(prepared.tools?.[0]).not.toHaveProperty("inputExamples");
    expect(prepared.warnings).toEqual([
      expect.objectContaining({ type: "unsupported", feature: "provider tool openai.web_search" }),
      expect.objectContaining({ type: "unsupported", feature: "tool inputExamples" }),
    ]);
  });

  it("no function tool left: neither tools nor tool_choice is sent, and a forcing choice warns", () => {
    expect(prepareMeshTools(undefined, { type: "auto" })).toEqual({ tools: undefined, toolChoice: undefined, warnings: [] });
    const forced = prepareMeshTools([{ type: "provider", id: "acme.x", name: "x", args: {} }], { type: "required" });
    expect(forced.tools).toBeUndefined();
    expect(forced.toolChoice).toBeUndefined();
    expect(forced.warnings.map((w) => (w.type === "unsupported" ? w.feature : ""))).toEqual(["provider tool acme.x", "toolChoice"]);
  });
});
