import { defineConfig } from "tsup";
import { perModuleBuildConfig } from "../../tsup.shared";

// One file per module (tsup.shared.ts): a browser build of a provider never sees the zod schemas, yaml, msgpackr
// or the undici transport of the other modules. `./node` holds the undici transport, so the build targets Node;
// the root entry stays browser-safe.
export default defineConfig(
  perModuleBuildConfig({ entry: { index: "src/index.ts", node: "src/node.ts" }, platform: "node", external: ["@modelmesh/core", "undici", "msgpackr", "yaml", "zod"] }),
);
