import type { ChatCompletionsCreate, EmbeddingParams, EmbeddingResponse, MeshRequestOptions } from "@modelmesh/core";

/**
 * What `createModelMesh` needs of a ModelMesh client: the OpenAI-shaped `chat.completions.create` (and
 * `embeddings.create` for embedding models). `create()` from `modelmesh` and `createBrowser()` from
 * `@modelmesh/browser` both return one.
 */
export interface ModelMeshClient {
  chat: { completions: { create: ChatCompletionsCreate } };
  embeddings?: { create(body: EmbeddingParams, options?: MeshRequestOptions): Promise<EmbeddingResponse> };
}
