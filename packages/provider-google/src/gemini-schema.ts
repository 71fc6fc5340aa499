import type { GeminiSchema } from "./gemini-wire.js";

/**
 * JSON Schema → Gemini `Schema` (an OpenAPI 3.0 subset), for function parameters and for `responseSchema`.
 *
 * Gemini rejects a request whose schema carries a keyword it does not know (`400 INVALID_ARGUMENT: Invalid
 * JSON payload received. Unknown name "additionalProperties"`), so every schema an OpenAI client wrote is
 * rewritten into the subset the API accepts (https://ai.google.dev/api/caching#Schema):
 *
 * kept:      type (upper-cased, as `@google/genai` sends it), description, title, properties, required (only
 *            names that exist in `properties`), items, enum (string values only), nullable, minItems/maxItems,
 *            minProperties/maxProperties, minLength/maxLength, pattern, minimum/maximum, default, example,
 *            propertyOrdering, anyOf, format (only the values Gemini knows: `date-time`/`enum` for strings,
 *            `float`/`double` for numbers, `int32`/`int64` for integers).
 * rewritten: `type: [T, "null"]` → `type: T, nullable: true` (several non-null types → `anyOf`);
 *            `anyOf`/`oneOf` members `{type: "null"}` → `nullable: true`, `oneOf` → `anyOf`, a single remaining
 *            member is inlined; `allOf` → its members merged into one schema; `const: "x"` → `enum: ["x"]`;
 *            `examples: [a, …]` → `example: a`; local `$ref`s (`#/$defs/…`, `#/definitions/…`) → inlined
 *            (a recursive schema is cut at depth {@link MAX_DEPTH} to a bare `OBJECT`).
 * dropped:   everything else — `$schema`, `$id`, `$defs`/`definitions`, `$comment`, `additionalProperties`,
 *            `patternProperties`, `unevaluatedProperties`, `propertyNames`, `exclusiveMinimum`/`Maximum`,
 *            `multipleOf`, `uniqueItems`, `contains`, `prefixItems`, `not`, `if`/`then`/`else`,
 *            `dependentRequired`/`dependentSchemas`, `readOnly`/`writeOnly`, `deprecated`, `content*`, `strict`,
 *            unsupported formats (`uri`, `email`, …), non-string enums, and unresolvable `$ref`s. The dropped
 *            keyword names are reported so the caller can surface them as warnings.
 */

/** Depth at which `$ref` inlining stops (recursive schemas cannot be expressed in Gemini's subset). */
export const MAX_DEPTH = 12;

const TYPES: Readonly<Record<string, GeminiSchema["type"]>> = {
  string: "STRING",
  number: "NUMBER",
  integer: "INTEGER",
  boolean: "BOOLEAN",
  array: "ARRAY",
  object: "OBJECT",
};

const FORMATS: Readonly<Record<string, readonly string[]>> = {
  STRING: ["date-time", "enum"],
  NUMBER: ["float", "double"],
  INTEGER: ["int32", "int64"],
};

/** Keywords copied unchanged. */
const COPIED = [
  "description", "title", "minItems", "maxItems", "minProperties", "maxProperties", "minLength", "maxLength",
  "pattern", "minimum", "maximum", "default", "example", "propertyOrdering", "nullable",
] as const;

/** Keywords handled explicitly (never reported as dropped). */
const HANDLED = new Set<string>([
  ...COPIED, "type", "format", "enum", "const", "properties", "required", "items", "anyOf", "oneOf", "allOf", "examples", "$ref",
]);

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** What a conversion found it had to drop. */
export interface SchemaConversion {
  /** The Gemini schema. */
  schema: GeminiSchema;
  /** Names of the JSON Schema keywords that were dropped (sorted, unique). */
  dropped: string[];
}

/**
 * Converts a JSON Schema into Gemini's schema subset (see the module comment for what is kept, rewritten
 * and dropped). Never throws; input is not mutated.
 * @example
 * convertToGeminiSchema({ type: "object", properties: { q: { type: ["string", "null"] } }, additionalProperties: false })
 * // → { schema: { type: "OBJECT", properties: { q: { type: "STRING", nullable: true } } }, dropped: ["additionalProperties"] }
 */
export function convertToGeminiSchema(schema: JsonObject): SchemaConversion {
  const dropped = new Set<string>();
  const root = schema;
  const out = convert(schema, root, dropped, 0);
  return { schema: out, dropped: [...dropped].sort() };
}

function resolveRef(ref: string, root: JsonObject): JsonObject | undefined {
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  if (!match) return ref === "#" ? root : undefined;
  const defs = root[match[1]!];
  const target = isObject(defs) ? defs[decodeURIComponent(match[2]!).replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
  return isObject(target) ? target : undefined;
}

function convert(input: JsonObject, root: JsonObject, dropped: Set<string>, depth: number): GeminiSchema {
  if (depth > MAX_DEPTH) {
    dropped.add("$ref");
    return { type: "OBJECT" };
  }
  let source = input;
  if (typeof source.$ref === "string") {
    const target = resolveRef(source.$ref, root);
    if (!target) dropped.add("$ref");
    // Sibling keywords of a `$ref` (a description, usually) override the referenced schema's.
    const { $ref: _ref, ...siblings } = source;
    source = target ? { ...target, ...siblings } : siblings;
    depth += 1;
  }
  if (Array.isArray(source.allOf)) source = mergeAllOf(source, root, dropped);

  const out: GeminiSchema = {};
  for (const key of Object.keys(source)) if (!HANDLED.has(key)) dropped.add(key);
  applyType(source.type, out, dropped);
  for (const key of COPIED) if (source[key] !== undefined && source[key] !== null) (out as JsonObject)[key] = source[key];
  if (out.example === undefined && Array.isArray(source.examples) && source.examples.length > 0) out.example = source.examples[0];

  applyEnum(source, out, dropped);
  applyFormat(source.format, out, dropped);

  if (isObject(source.properties)) {
    const properties: Record<string, GeminiSchema> = {};
    for (const [name, value] of Object.entries(source.properties)) {
      if (isObject(value)) properties[name] = convert(value, root, dropped, depth + 1);
    }
    out.properties = properties;
    if (Array.isArray(source.required)) {
      const required = source.required.filter((name): name is string => typeof name === "string" && name in properties);
      if (required.length > 0) out.required = required;
    }
  }
  const items = Array.isArray(source.items) ? source.items[0] : source.items;
  if (Array.isArray(source.items)) dropped.add("items (tuple)");
  if (isObject(items)) out.items = convert(items, root, dropped, depth + 1);

  const union = Array.isArray(source.anyOf) ? source.anyOf : Array.isArray(source.oneOf) ? source.oneOf : undefined;
  if (union) return applyUnion(union, out, root, dropped, depth);
  return out;
}

function applyType(type: unknown, out: GeminiSchema, dropped: Set<string>): void {
  if (typeof type === "string") {
    if (type === "null") out.nullable = true;
    else if (TYPES[type]) out.type = TYPES[type];
    else dropped.add(`type:${type}`);
    return;
  }
  if (!Array.isArray(type)) return;
  const types = type.filter((entry): entry is string => typeof entry === "string");
  if (types.includes("null")) out.nullable = true;
  const concrete = types.filter((entry) => entry !== "null" && TYPES[entry]);
  if (concrete.length === 1) out.type = TYPES[concrete[0]!];
  else if (concrete.length > 1) out.anyOf = concrete.map((entry) => ({ type: TYPES[entry] }));
}

function applyEnum(source: JsonObject, out: GeminiSchema, dropped: Set<string>): void {
  let values: unknown[] | undefined = Array.isArray(source.enum) ? source.enum : undefined;
  if (values === undefined && source.const !== undefined) values = [source.const];
  if (values === undefined) return;
  if (values.includes(null)) out.nullable = true;
  const concrete = values.filter((value) => value !== null);
  // Gemini only accepts string enums; numeric or boolean enums cannot be expressed and are dropped.
  if (concrete.length > 0 && concrete.every((value) => typeof value === "string") && (out.type === undefined || out.type === "STRING")) {
    out.type = "STRING";
    out.enum = concrete as string[];
  } else if (concrete.length > 0) {
    dropped.add(source.enum !== undefined ? "enum" : "const");
  }
}

function applyFormat(format: unknown, out: GeminiSchema, dropped: Set<string>): void {
  if (typeof format !== "string") return;
  const allowed = out.type ? FORMATS[out.type] : undefined;
  if (allowed?.includes(format)) out.format = format;
  else dropped.add(`format:${format}`);
}

function applyUnion(members: unknown[], out: GeminiSchema, root: JsonObject, dropped: Set<string>, depth: number): GeminiSchema {
  const converted: GeminiSchema[] = [];
  for (const member of members) {
    if (!isObject(member)) continue;
    if (member.type === "null") {
      out.nullable = true;
      continue;
    }
    converted.push(convert(member, root, dropped, depth + 1));
  }
  if (converted.length === 1) {
    // `anyOf: [X, {type: "null"}]` is how JSON Schema writes an optional X: inline X, keep `nullable`.
    const { description, title, nullable } = out;
    return { ...converted[0]!, ...(description !== undefined ? { description } : {}), ...(title !== undefined ? { title } : {}), ...(nullable ? { nullable } : {}) };
  }
  if (converted.length > 1) out.anyOf = converted;
  return out;
}

/**
 * Merges `allOf` members into their parent: properties and required lists are united, other keys layered.
 * Members that are local `$ref`s are resolved first; nested `allOf`s are not flattened further.
 */
function mergeAllOf(source: JsonObject, root: JsonObject, dropped: Set<string>): JsonObject {
  const { allOf, ...rest } = source as JsonObject & { allOf: unknown[] };
  let merged: JsonObject = {};
  const properties: JsonObject = {};
  const required: string[] = [];
  for (const entry of [...allOf, rest]) {
    const member = isObject(entry) && typeof entry.$ref === "string" ? resolveRef(entry.$ref, root) : entry;
    if (!isObject(member)) {
      if (isObject(entry)) dropped.add("$ref");
      continue;
    }
    if (member.allOf !== undefined) dropped.add("allOf (nested)");
    if (isObject(member.properties)) Object.assign(properties, member.properties);
    if (Array.isArray(member.required)) required.push(...member.required.filter((name): name is string => typeof name === "string"));
    merged = { ...merged, ...member };
  }
  delete merged.allOf;
  if (Object.keys(properties).length > 0) merged.properties = properties;
  if (required.length > 0) merged.required = [...new Set(required)];
  return merged;
}
