/** The package's runtime exports: adding or removing one is a public API change (docs/ARCHITECTURE.md, STYLE c.4). */
import { expect, it } from "vitest";
import * as api from "../src/index.js";

it("exports exactly the reviewed runtime surface", () => {
  expect(Object.keys(api).sort()).toEqual(["MAX_EMBEDDINGS_PER_CALL", "ModelMeshChatLanguageModel", "ModelMeshEmbeddingModel", "PROVIDER_OPTIONS_KEY", "VERSION", "createModelMesh"]);
});
