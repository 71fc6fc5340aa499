import { describe, expect, it } from "vitest";
import { embeddingFamily, planEmbeddingCalls, readEmbeddings, toEmbeddingResponse } from "./bedrock-embeddings.js";

describe("bedrock embeddings mapping", () => {
  it("recognizes Titan and Cohere embedding ids (inference profiles too) and nothing else", () => {
    expect(embeddingFamily("amazon.titan-embed-text-v2:0")).toBe("titan");
    expect(embeddingFamily("amazon.titan-embed-g1-text-02")).toBe("titan");
    expect(embeddingFamily("us.cohere.embed-multilingual-v3")).toBe("cohere");
    expect(embeddingFamily("amazon.nova-pro-v1:0")).toBeUndefined();
  });

  it("Titan: one body per input, dimensions on v2 only", () => {
    expect(planEmbeddingCalls({ model: "amazon.titan-embed-text-v2:0", input: ["a", "b"], dimensions: 512 })).toEqual({
      family: "titan",
      calls: [
        { body: { inputText: "a", dimensions: 512 }, indexes: [0] },
        { body: { inputText: "b", dimensions: 512 }, indexes: [1] },
      ],
    });
    expect(() => planEmbeddingCalls({ model: "amazon.titan-embed-text-v1", input: "a", dimensions: 512 })).toThrow(/only supported by amazon.titan-embed-text-v2/);
  });

  it("Cohere: one body, input_type defaulting to search_document and checked", () => {
    expect(planEmbeddingCalls({ model: "cohere.embed-english-v3", input: ["a", "b"] }).calls).toEqual([{ body: { texts: ["a", "b"], input_type: "search_document" }, indexes: [0, 1] }]);
    expect(() => planEmbeddingCalls({ model: "cohere.embed-english-v3", input: "a", input_type: "poetry" })).toThrow(/input_type "poetry"/);
    expect(() => planEmbeddingCalls({ model: "cohere.embed-english-v3", input: "a", encoding_format: "base64" })).toThrow(/base64/);
    expect(() => planEmbeddingCalls({ model: "cohere.embed-english-v3", input: [] })).toThrow(/empty/);
  });

  it("reads vectors (Cohere's typed form too) and rejects bodies without them", () => {
    expect(readEmbeddings("titan", { embedding: [1, 2], inputTextTokenCount: 5 }, 1, {})).toEqual({ vectors: [[1, 2]], tokens: 5 });
    expect(readEmbeddings("cohere", { embeddings: { float: [[1], [2]] } }, 2, {})).toEqual({ vectors: [[1], [2]] });
    expect(() => readEmbeddings("titan", { embedding: "nope" }, 1, {})).toThrow(expect.objectContaining({ code: "MM_INVALID_RESPONSE" }));
    expect(() => readEmbeddings("cohere", { embeddings: [[1]] }, 2, {})).toThrow(/2 embedding arrays/);
    expect(toEmbeddingResponse("m", [[1], [2]], 4)).toEqual({ object: "list", model: "m", data: [{ object: "embedding", index: 0, embedding: [1] }, { object: "embedding", index: 1, embedding: [2] }], usage: { prompt_tokens: 4, total_tokens: 4 } });
  });
});
