import { describe, expect, it } from "vitest";
import { convertFromCohereEmbeddings, convertToCohereEmbedRequest } from "./cohere-embed-mapping.js";

describe("cohere embed mapping", () => {
  it("a string becomes one text; defaults to search_document and float embeddings", () => {
    expect(convertToCohereEmbedRequest({ model: "embed-v4.0", input: "hi" })).toEqual({ model: "embed-v4.0", texts: ["hi"], input_type: "search_document", embedding_types: ["float"] });
  });

  it("dimensions, the config defaults and the per-request input_type / truncate extension fields", () => {
    expect(convertToCohereEmbedRequest({ model: "embed-v4.0", input: ["a", "b"], dimensions: 1024 }, { defaultInputType: "clustering", embedTruncate: "END" })).toEqual({
      model: "embed-v4.0",
      texts: ["a", "b"],
      input_type: "clustering",
      embedding_types: ["float"],
      output_dimension: 1024,
      truncate: "END",
    });
    expect(convertToCohereEmbedRequest({ model: "m", input: "a", input_type: "search_query", truncate: "NONE" }, { defaultInputType: "clustering" })).toMatchObject({ input_type: "search_query", truncate: "NONE" });
  });

  it("refuses token ids, empty and oversized inputs, unknown input types", () => {
    expect(() => convertToCohereEmbedRequest({ model: "m", input: [1, 2, 3] })).toThrow(/string or a list of strings/);
    expect(() => convertToCohereEmbedRequest({ model: "m", input: [] })).toThrow(/empty list/);
    expect(() => convertToCohereEmbedRequest({ model: "m", input: Array.from({ length: 97 }, () => "x") })).toThrow(/at most 96/);
    expect(() => convertToCohereEmbedRequest({ model: "m", input: "a", input_type: "image" })).toThrow(/input_type "image"/);
    expect(() => convertToCohereEmbedRequest({ model: "m", input: "a", truncate: "MIDDLE" })).toThrow(/truncate "MIDDLE"/);
  });

  it("reads embeddings.float and the billed tokens; a count mismatch or a missing float list is no answer", () => {
    const json = { id: "e", embeddings: { float: [[1, 2], [3, 4]] }, meta: { billed_units: { input_tokens: 6 }, tokens: { input_tokens: 9 } } };
    expect(convertFromCohereEmbeddings(json, { model: "m", input: ["a", "b"] }, 2)).toEqual({
      object: "list",
      data: [
        { object: "embedding", index: 0, embedding: [1, 2] },
        { object: "embedding", index: 1, embedding: [3, 4] },
      ],
      model: "m",
      usage: { prompt_tokens: 6, total_tokens: 6 },
    });
    expect(convertFromCohereEmbeddings({ embeddings: { float: [[1]] }, meta: { tokens: { input_tokens: 4 } } }, { model: "m", input: "a" }, 1)!.usage.prompt_tokens).toBe(4);
    expect(convertFromCohereEmbeddings(json, { model: "m", input: "a" }, 1)).toBeUndefined();
    expect(convertFromCohereEmbeddings({ embeddings: { int8: [[1]] } }, { model: "m", input: "a" }, 1)).toBeUndefined();
  });
});
