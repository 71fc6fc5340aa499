import { defineConfig } from "tsup";
import { perModuleBuildConfig } from "../../tsup.shared";

// One file per module (tsup.shared.ts): a page's bundler keeps only what it reaches.
export default defineConfig(perModuleBuildConfig({ entry: { index: "src/index.ts" }, external: ["@modelmesh/core", "@modelmesh/cdk", "@modelmesh/provider-openai"] }));
