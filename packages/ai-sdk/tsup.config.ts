import { defineConfig } from "tsup";
import { sharedBuildConfig } from "../../tsup.shared";

export default defineConfig(sharedBuildConfig({ entry: { index: "src/index.ts" }, external: ["@modelmesh/core", "@ai-sdk/provider"] }));
