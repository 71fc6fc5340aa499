import { defineConfig } from "tsup";
import { sharedBuildConfig } from "../../tsup.shared";

// `./node` holds the undici transport, so the build targets Node; the root entry stays browser-safe.
export default defineConfig(
  sharedBuildConfig({
    entry: { index: "src/index.ts", node: "src/node.ts" },
    platform: "node",
    external: ["@modelmesh/core", "undici", "msgpackr", "yaml", "zod"],
  }),
);
