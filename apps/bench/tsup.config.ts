import { defineConfig } from "tsup";
import { sharedBuildConfig } from "../../tsup.shared";

export default defineConfig(
  sharedBuildConfig({
    entry: { p1: "src/p1-cli.ts", p2: "src/p2-cli.ts", p3: "src/p3-cli.ts", p4: "src/p4-cli.ts", p5: "src/p5-cli.ts", p6: "src/p6-cli.ts", p7: "src/p7-cli.ts", p8: "src/p8-cli.ts", "p2-child": "src/p2-child.ts", "p4-child": "src/p4-child.ts" },
    format: ["esm"],
    dts: false,
    target: "node20",
    platform: "node",
    // Measure the packages as users get them: workspace packages and the SDK are loaded from their own builds.
    external: [/^@modelmesh\//, "modelmesh", "openai", /^openai\//, "undici", "esbuild"],
  }),
);
