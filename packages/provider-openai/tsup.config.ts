import { defineConfig } from "tsup";
import { perModuleBuildConfig } from "../../tsup.shared";

// One file per module (tsup.shared.ts): `createOpenAICompatibleProvider` (or `OpenAIProvider`) bundles without the
// connector descriptors, the presets and their zod schemas.
export default defineConfig(perModuleBuildConfig({ entry: { index: "src/index.ts" }, external: ["@modelmesh/core", "@modelmesh/cdk", "zod"] }));
