/**
 * The shipped capability taxonomy and predefined pools, as frozen plain data (docs/ARCHITECTURE.md §2.3).
 * Nothing here builds a tree: `CapabilityTree.createDefault()` does that on demand.
 */

/**
 * Second-level nodes of one category, mapped to their leaf names. An empty list means the second-level
 * node has no children and is itself a leaf (e.g. `transformation.translation`).
 */
export type TaxonomyCategory = Readonly<Record<string, readonly string[]>>;

/** The whole taxonomy: category name → second-level node name → leaf names. Key order is tree order. */
export type Taxonomy = Readonly<Record<string, TaxonomyCategory>>;

/** A shipped pool that exists without any configuration. */
export interface PredefinedPool {
  /** Pool id, usable as the OpenAI `model` field (e.g. `text-generation`). */
  readonly id: string;
  /** Full path of the node the pool targets; members are all models at or below it. */
  readonly capability: string;
  /** Human description of what goes in, e.g. `prompt`. */
  readonly input: string;
  /** Human description of what comes out, e.g. `text`. */
  readonly output: string;
}

/** Freezes the taxonomy two levels deep (the leaf lists included). Pure: no shared state is touched. */
function freezeTaxonomy(data: Record<string, Record<string, string[]>>): Taxonomy {
  for (const category of Object.values(data)) {
    for (const leaves of Object.values(category)) Object.freeze(leaves);
    Object.freeze(category);
  }
  return Object.freeze(data);
}

/**
 * The shipped taxonomy: 7 categories, 28 second-level nodes, 58 leaves (46 third-level leaves plus 12
 * childless second-level nodes). The implicit root `capability` is never written in paths.
 */
export const SHIPPED_TAXONOMY: Taxonomy = /*#__PURE__*/ freezeTaxonomy({
  generation: {
    "text-generation": ["chat-completion", "text-completion", "code-generation"],
    "structured-generation": ["json-generation", "schema-constrained-output", "function-call-generation"],
    "image-generation": ["text-to-image", "image-to-image", "inpainting"],
    "audio-generation": ["text-to-speech", "music-generation"],
    "video-generation": ["text-to-video", "image-to-video"],
  },
  understanding: {
    "text-understanding": ["summarization", "classification", "sentiment-analysis", "entity-extraction"],
    "vision-understanding": ["image-captioning", "object-detection", "ocr"],
    "audio-understanding": ["speech-to-text", "speaker-identification", "audio-classification"],
    "document-understanding": ["document-parsing", "table-extraction", "form-extraction"],
  },
  transformation: {
    translation: [],
    rewriting: [],
    "style-transfer": [],
    "image-editing": ["background-removal", "upscaling", "format-conversion"],
    "audio-processing": ["noise-reduction", "voice-cloning", "audio-separation"],
  },
  representation: {
    embeddings: ["text-embeddings", "image-embeddings", "multimodal-embeddings"],
    tokenization: [],
    "feature-extraction": [],
  },
  retrieval: {
    search: ["semantic-search", "web-search", "image-search", "code-search"],
    "knowledge-graph": ["graph-query", "entity-linking", "relation-extraction"],
    rag: ["retrieval-augmented-generation", "grounded-generation"],
    reranking: [],
  },
  interaction: {
    "tool-calling": [],
    "agent-execution": ["single-step-agent", "multi-step-agent"],
    "multi-turn-conversation": [],
  },
  evaluation: {
    "content-moderation": [],
    "toxicity-detection": [],
    "factuality-checking": [],
    "quality-scoring": [],
  },
});

/**
 * The seven predefined pools, created without config. Their ids double as virtual model names and win over
 * a same-named capability alias (pool ids are resolved first).
 */
export const PREDEFINED_POOLS: readonly PredefinedPool[] = /*#__PURE__*/ Object.freeze([
  Object.freeze({ id: "text-generation", capability: "generation.text-generation", input: "prompt", output: "text" }),
  Object.freeze({ id: "structured-generation", capability: "generation.structured-generation", input: "prompt", output: "JSON" }),
  Object.freeze({ id: "image-generation", capability: "generation.image-generation", input: "prompt", output: "image" }),
  Object.freeze({ id: "embeddings", capability: "representation.embeddings", input: "text", output: "vector" }),
  Object.freeze({ id: "speech-to-text", capability: "understanding.audio-understanding.speech-to-text", input: "audio", output: "text" }),
  Object.freeze({ id: "text-to-speech", capability: "generation.audio-generation.text-to-speech", input: "text", output: "audio" }),
  Object.freeze({ id: "vision-understanding", capability: "understanding.vision-understanding", input: "image", output: "text" }),
]);

/**
 * The documented short aliases and the full paths they resolve to in the shipped tree. Not a lookup table:
 * the tree derives aliases from unique node names; this list pins the documented ones (tests check it).
 */
export const DOCUMENTED_ALIASES: Readonly<Record<string, string>> = /*#__PURE__*/ Object.freeze({
  "chat-completion": "generation.text-generation.chat-completion",
  "text-generation": "generation.text-generation",
  "code-generation": "generation.text-generation.code-generation",
  "text-embeddings": "representation.embeddings.text-embeddings",
  embeddings: "representation.embeddings",
  "text-to-speech": "generation.audio-generation.text-to-speech",
  "speech-to-text": "understanding.audio-understanding.speech-to-text",
  "text-to-image": "generation.image-generation.text-to-image",
});
