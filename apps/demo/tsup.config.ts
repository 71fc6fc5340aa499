import { defineConfig } from "tsup";

export default defineConfig({
  entry: { main: "src/main.ts" },
  format: ["esm"],
  clean: true,
  sourcemap: true,
  target: "node20",
  platform: "node",
  // Workspace packages are resolved at run time from their own dist.
  external: [/^@modelmesh\//, "modelmesh"],
});
