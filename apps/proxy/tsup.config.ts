import { defineConfig } from "tsup";
import { sharedBuildConfig } from "../../tsup.shared";

// `cli` keeps its `#!/usr/bin/env node` line from src/cli.ts; only the library entries ship declarations.
export default defineConfig(
  sharedBuildConfig({
    entry: { index: "src/index.ts", cli: "src/cli.ts", server: "src/server.ts" },
    format: ["esm"],
    dts: { entry: { index: "src/index.ts", server: "src/server.ts" } },
    target: "node20",
    platform: "node",
    external: [/^@modelmesh\//, "modelmesh", "undici", "zod", "yaml", "msgpackr"],
  }),
);
