import { defineConfig } from "tsup";
import { sharedBuildConfig } from "../../tsup.shared";

export default defineConfig(sharedBuildConfig({ entry: { index: "src/index.ts", node: "src/node.ts" }, platform: "node", external: ["@modelmesh/core", "@modelmesh/cdk", "@modelmesh/cdk/node", "zod"] }));
