import { describe, expect, it } from "vitest";
import { isModelMeshError, type ModelMeshError } from "../errors/model-mesh-error.js";
import { editDistance, closeMatches } from "./suggest.js";
import { DOCUMENTED_ALIASES, PREDEFINED_POOLS, SHIPPED_TAXONOMY } from "./taxonomy.js";
import { CapabilityTree } from "./tree.js";

function caught(fn: () => unknown): ModelMeshError {
  try {
    fn();
  } catch (error) {
    if (isModelMeshError(error)) return error;
    throw error;
  }
  throw new Error("expected a ModelMeshError");
}

describe("shipped taxonomy", () => {
  const tree = CapabilityTree.createDefault();
  const paths = tree.paths();
  const depth = (p: string) => p.split(".").length;

  it("has 7 categories, 28 second-level nodes and 58 leaves (12 of them second-level)", () => {
    expect(paths.filter((p) => depth(p) === 1)).toHaveLength(7);
    expect(paths.filter((p) => depth(p) === 2)).toHaveLength(28);
    const leaves = paths.filter((p) => tree.isLeaf(p));
    expect(leaves).toHaveLength(58);
    expect(leaves.filter((p) => depth(p) === 2)).toHaveLength(12);
    expect(leaves.filter((p) => depth(p) === 3)).toHaveLength(46);
    expect(paths).toHaveLength(7 + 28 + 46);
    expect(tree.children()).toEqual([
      "generation", "understanding", "transformation", "representation", "retrieval", "interaction", "evaluation",
    ]);
  });

  it("is frozen plain data", () => {
    expect(Object.isFrozen(SHIPPED_TAXONOMY)).toBe(true);
    expect(Object.isFrozen(SHIPPED_TAXONOMY.generation)).toBe(true);
    expect(Object.isFrozen(SHIPPED_TAXONOMY.generation!["text-generation"])).toBe(true);
    expect(Object.isFrozen(PREDEFINED_POOLS)).toBe(true);
    expect(Object.isFrozen(PREDEFINED_POOLS[0])).toBe(true);
  });

  it("contains the documented example leaves and childless second-level nodes", () => {
    expect(tree.isLeaf("generation.text-generation.chat-completion")).toBe(true);
    expect(tree.isLeaf("transformation.translation")).toBe(true);
    expect(tree.isLeaf("retrieval.reranking")).toBe(true);
    expect(tree.isLeaf("generation.text-generation")).toBe(false);
    expect(tree.isLeaf("generation")).toBe(false);
    expect(tree.isLeaf("no.such.path")).toBe(false);
    expect(tree.has("transformation.translation")).toBe(true);
    expect(tree.has("translation")).toBe(false);
  });

  it("makes every shipped node name unique, so every name is an alias", () => {
    for (const path of paths) expect(tree.resolve(path.slice(path.lastIndexOf(".") + 1))).toBe(path);
  });

  it("resolves the documented alias table to the paths of the tree", () => {
    expect(Object.keys(DOCUMENTED_ALIASES)).toHaveLength(8);
    for (const [alias, path] of Object.entries(DOCUMENTED_ALIASES)) {
      expect(tree.has(path)).toBe(true);
      expect(tree.resolve(alias)).toBe(path);
    }
    expect(tree.resolve("text-generation")).toBe("generation.text-generation");
    expect(tree.resolve("embeddings")).toBe("representation.embeddings");
  });

  it("targets existing nodes from every predefined pool", () => {
    expect(PREDEFINED_POOLS.map((p) => p.id)).toEqual([
      "text-generation", "structured-generation", "image-generation", "embeddings", "speech-to-text", "text-to-speech",
      "vision-understanding",
    ]);
    for (const pool of PREDEFINED_POOLS) expect(tree.has(pool.capability)).toBe(true);
    expect(PREDEFINED_POOLS.find((p) => p.id === "speech-to-text")!.capability).toBe(
      "understanding.audio-understanding.speech-to-text",
    );
  });

  it("builds independent trees on each createDefault call", () => {
    const a = CapabilityTree.createDefault().add("compliance.pii-detection");
    expect(a.has("compliance")).toBe(true);
    expect(CapabilityTree.createDefault().has("compliance")).toBe(false);
  });
});

describe("queries", () => {
  const tree = CapabilityTree.createDefault();

  it("matches ancestors structurally, by path or alias, never by string prefix alone", () => {
    expect(tree.isAncestorOrSelf("generation", "generation.text-generation.chat-completion")).toBe(true);
    expect(tree.isAncestorOrSelf("generation.text-generation", "generation.text-generation.chat-completion")).toBe(true);
    expect(tree.isAncestorOrSelf("chat-completion", "generation.text-generation.chat-completion")).toBe(true);
    expect(tree.isAncestorOrSelf("text-generation", "chat-completion")).toBe(true);
    expect(tree.isAncestorOrSelf("generation.text-generation.chat-completion", "generation.text-generation")).toBe(false);
    expect(tree.isAncestorOrSelf("understanding", "generation.text-generation.chat-completion")).toBe(false);
    // `generation.text` is a string prefix of `generation.text-generation`, not an ancestor.
    expect(tree.isAncestorOrSelf("generation.text", "generation.text-generation")).toBe(false);
  });

  it("lists leaves under a node in tree order", () => {
    expect(tree.leavesUnder("generation.text-generation")).toEqual([
      "generation.text-generation.chat-completion",
      "generation.text-generation.text-completion",
      "generation.text-generation.code-generation",
    ]);
    expect(tree.leavesUnder("chat-completion")).toEqual(["generation.text-generation.chat-completion"]);
    expect(tree.leavesUnder("transformation")).toEqual([
      "transformation.translation",
      "transformation.rewriting",
      "transformation.style-transfer",
      "transformation.image-editing.background-removal",
      "transformation.image-editing.upscaling",
      "transformation.image-editing.format-conversion",
      "transformation.audio-processing.noise-reduction",
      "transformation.audio-processing.voice-cloning",
      "transformation.audio-processing.audio-separation",
    ]);
    expect(tree.leavesUnder("evaluation")).toHaveLength(4);
  });

  it("lists children and returns copies callers cannot use to corrupt the tree", () => {
    expect(tree.children("representation")).toEqual([
      "representation.embeddings", "representation.tokenization", "representation.feature-extraction",
    ]);
    expect(tree.children("rewriting")).toEqual([]);
    tree.paths().pop();
    tree.children("generation").pop();
    expect(tree.paths()).toHaveLength(81);
    expect(tree.children("generation")).toHaveLength(5);
  });

  it("throws MM_CAPABILITY_INVALID with close matches for an unknown name", () => {
    const error = caught(() => tree.resolve("chat-completon"));
    expect(error.code).toBe("MM_CAPABILITY_INVALID");
    expect(error.message).toContain('"chat-completon"');
    expect(error.message).toContain("generation.text-generation.chat-completion");
    expect(tree.tryResolve("chat-completon")).toBeUndefined();
    expect(caught(() => tree.leavesUnder("nope")).code).toBe("MM_CAPABILITY_INVALID");
  });
});

describe("custom nodes", () => {
  it("adds nodes with their missing ancestors and resolves them by path and alias", () => {
    const tree = CapabilityTree.createDefault().add("compliance.pii-detection").add("compliance.regulatory-review");
    expect(tree.has("compliance")).toBe(true);
    expect(tree.children()).toHaveLength(8);
    expect(tree.resolve("pii-detection")).toBe("compliance.pii-detection");
    expect(tree.resolve("compliance")).toBe("compliance");
    expect(tree.leavesUnder("compliance")).toEqual(["compliance.pii-detection", "compliance.regulatory-review"]);
    expect(tree.paths().at(-1)).toBe("compliance.regulatory-review");
    tree.add("compliance.pii-detection");
    expect(tree.leavesUnder("compliance")).toHaveLength(2);
  });

  it("turns a former leaf into an inner node when a child is added", () => {
    const tree = CapabilityTree.createDefault();
    expect(tree.isLeaf("transformation.translation")).toBe(true);
    tree.add("transformation.translation.legal-translation");
    expect(tree.isLeaf("transformation.translation")).toBe(false);
    expect(tree.leavesUnder("translation")).toEqual(["transformation.translation.legal-translation"]);
  });

  it("makes an alias ambiguous once a later node shares its name, listing the candidates", () => {
    const tree = CapabilityTree.createDefault();
    expect(tree.resolve("summarization")).toBe("understanding.text-understanding.summarization");
    tree.add("medical.summarization");
    const error = caught(() => tree.resolve("summarization"));
    expect(error.code).toBe("MM_AMBIGUOUS_NAME");
    expect(error.message).toContain("understanding.text-understanding.summarization");
    expect(error.message).toContain("medical.summarization");
    expect(tree.tryResolve("summarization")).toBeUndefined();
    expect(tree.resolve("medical.summarization")).toBe("medical.summarization");
    expect(tree.resolve("understanding.text-understanding.summarization")).toBe(
      "understanding.text-understanding.summarization",
    );
  });

  it("rejects invalid segments and a top-level name that would steal an alias", () => {
    const tree = CapabilityTree.createDefault();
    for (const bad of ["", "Compliance", "a..b", "a.b_c", ".a", "a."]) {
      const error = caught(() => tree.add(bad));
      expect(error.code).toBe("MM_CAPABILITY_INVALID");
      expect(error.category).toBe("config");
    }
    const clash = caught(() => tree.add("chat-completion"));
    expect(clash.message).toContain("generation.text-generation.chat-completion");
    expect(tree.resolve("chat-completion")).toBe("generation.text-generation.chat-completion");
    // A deeper node may reuse a category name: the category keeps its full path.
    tree.add("custom.generation");
    expect(tree.resolve("generation")).toBe("generation");
  });

  it("clones independently", () => {
    const base = CapabilityTree.createDefault();
    const copy = base.clone().add("generation.text-generation.chat-completion.fast-chat");
    expect(copy.isLeaf("generation.text-generation.chat-completion")).toBe(false);
    expect(base.isLeaf("generation.text-generation.chat-completion")).toBe(true);
    expect(base.has("generation.text-generation.chat-completion.fast-chat")).toBe(false);
    base.add("x.y");
    expect(copy.has("x")).toBe(false);
    expect(copy.paths()).toHaveLength(82);
  });
});

describe("suggestions", () => {
  it("computes edit distance and ranks close matches", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("gpt-4o", "gpt-4o")).toBe(0);
    expect(closeMatches("gpt4o", ["openai.gpt-4o", "claude-3", "gpt-4o-mini"])).toEqual(["openai.gpt-4o"]);
    // Edit-distance matches rank before prefix matches.
    expect(closeMatches("gpt-4o", ["gpt-4o-mini", "claude-3", "openai.gpt-4p", "gpt-4o"])).toEqual(["openai.gpt-4p", "gpt-4o-mini"]);
    expect(closeMatches("zzzzzz", ["openai.gpt-4o"])).toEqual([]);
    expect(closeMatches("a", ["ab", "ac", "ad", "ae", "af", "ag"])).toHaveLength(5);
  });
});
