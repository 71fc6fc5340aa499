/** JSON Schema → Gemini's OpenAPI subset. */
import { describe, expect, it } from "vitest";
import { convertToGeminiSchema } from "../src/index.js";

describe("convertToGeminiSchema", () => {
  it("upper-cases types, turns type arrays and null members into nullable, keeps the supported keywords", () => {
    const { schema, dropped } = convertToGeminiSchema({
      type: "object",
      title: "Query",
      properties: {
        q: { type: "string", minLength: 1, maxLength: 100, pattern: "^[a-z]+$", description: "text" },
        limit: { type: ["integer", "null"], minimum: 1, maximum: 50, default: 10, format: "int32" },
        when: { anyOf: [{ type: "string", format: "date-time" }, { type: "null" }], description: "optional time" },
        either: { oneOf: [{ type: "string" }, { type: "number" }] },
        mixed: { type: ["string", "number"] },
        list: { type: "array", items: { type: "boolean" }, minItems: 1, maxItems: 3, uniqueItems: true },
      },
      required: ["q", "ghost"],
      propertyOrdering: ["q", "limit"],
    });
    expect(schema).toEqual({
      type: "OBJECT",
      title: "Query",
      propertyOrdering: ["q", "limit"],
      properties: {
        q: { type: "STRING", minLength: 1, maxLength: 100, pattern: "^[a-z]+$", description: "text" },
        limit: { type: "INTEGER", nullable: true, minimum: 1, maximum: 50, default: 10, format: "int32" },
        when: { type: "STRING", format: "date-time", description: "optional time", nullable: true },
        either: { anyOf: [{ type: "STRING" }, { type: "NUMBER" }] },
        mixed: { anyOf: [{ type: "STRING" }, { type: "NUMBER" }] },
        list: { type: "ARRAY", items: { type: "BOOLEAN" }, minItems: 1, maxItems: 3 },
      },
      required: ["q"],
    });
    expect(dropped).toEqual(["uniqueItems"]);
  });

  it("const and string enums become enums; numeric enums cannot be expressed and are dropped", () => {
    expect(convertToGeminiSchema({ const: "fixed" }).schema).toEqual({ type: "STRING", enum: ["fixed"] });
    expect(convertToGeminiSchema({ enum: ["a", null] }).schema).toEqual({ type: "STRING", enum: ["a"], nullable: true });
    expect(convertToGeminiSchema({ type: "integer", enum: [1, 2] })).toEqual({ schema: { type: "INTEGER" }, dropped: ["enum"] });
  });

  it("inlines local $refs (with sibling overrides), merges allOf, and cuts recursion", () => {
    const { schema } = convertToGeminiSchema({
      type: "object",
      properties: {
        owner: { $ref: "#/definitions/User", description: "the owner" },
        admin: { allOf: [{ $ref: "#/definitions/User" }, { properties: { level: { type: "integer" } }, required: ["level"] }] },
        tree: { $ref: "#/$defs/Node" },
      },
      definitions: { User: { type: "object", properties: { name: { type: "string" } }, required: ["name"] } },
      $defs: { Node: { type: "object", properties: { child: { $ref: "#/$defs/Node" } } } },
    });
    expect(schema.properties!.owner).toEqual({ type: "OBJECT", description: "the owner", properties: { name: { type: "STRING" } }, required: ["name"] });
    expect(schema.properties!.admin).toEqual({ type: "OBJECT", properties: { name: { type: "STRING" }, level: { type: "INTEGER" } }, required: ["name", "level"] });
    let depth = 0;
    let node = schema.properties!.tree;
    while (node?.properties?.child) {
      node = node.properties.child;
      depth += 1;
    }
    expect(depth).toBeGreaterThan(3);
    expect(node).toEqual({ type: "OBJECT" });
  });

  it("reports every dropped keyword, including unresolvable refs and unsupported formats", () => {
    const { dropped } = convertToGeminiSchema({
      $schema: "https://json-schema.org/draft/2020-12/schema",
      $id: "x",
      type: "object",
      properties: { a: { $ref: "https://example.com/remote.json" }, b: { type: "string", format: "email" }, c: { not: { type: "null" } } },
      patternProperties: { "^x": {} },
      additionalProperties: false,
    });
    expect(dropped).toEqual(["$id", "$ref", "$schema", "additionalProperties", "format:email", "not", "patternProperties"]);
  });

  it("does not mutate its input", () => {
    const input = { type: "object", properties: { a: { type: ["string", "null"] } }, additionalProperties: false };
    const copy = structuredClone(input);
    convertToGeminiSchema(input);
    expect(input).toEqual(copy);
  });
});
