import { defineConfig } from "tsup";
import { sharedBuildConfig } from "../../tsup.shared";

// Node-only (TCP sockets through @redis/client): docs/ARCHITECTURE.md §1.
export default defineConfig(sharedBuildConfig({ entry: { index: "src/index.ts" }, platform: "node", external: ["@modelmesh/core", "@redis/client", "zod"] }));
