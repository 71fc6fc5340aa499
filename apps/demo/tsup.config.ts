import { defineConfig } from "tsup";
import { sharedBuildConfig } from "../../tsup.shared";

export default defineConfig(
  sharedBuildConfig({
    entry: { main: "src/main.ts" },
    format: ["esm"],
    dts: false,
    target: "node20",
    platform: "node",
    // Workspace packages are resolved at run time from their own dist.
    external: [/^@modelmesh\//, "modelmesh"],
  }),
);
