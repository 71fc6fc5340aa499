import { defineConfig } from "tsup";

export default defineConfig({
  entry: { p1: "src/p1-cli.ts", p2: "src/p2-cli.ts", p3: "src/p3-cli.ts", p4: "src/p4-cli.ts", p5: "src/p5-cli.ts", "p2-child": "src/p2-child.ts", "p4-child": "src/p4-child.ts" },
  format: ["esm"],
  clean: true,
  sourcemap: true,
  target: "node20",
  platform: "node",
  // Measure the packages as users get them: workspace packages and the SDK are loaded from their own builds.
  external: [/^@modelmesh\//, "modelmesh", "openai", /^openai\//, "undici"],
});
