import { defineConfig } from "tsup";
import { sharedBuildConfig } from "../../tsup.shared";

export default defineConfig(
  sharedBuildConfig({
    entry: { index: "src/index.ts", server: "src/server.ts", bundle: "src/bundle.ts" },
    target: "node20",
    platform: "node",
    external: ["@modelmesh/core", "@modelmesh/cdk", "vitest", "esbuild"],
  }),
);
