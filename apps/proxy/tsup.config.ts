import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", cli: "src/cli.ts", server: "src/server.ts" },
  format: ["esm"],
  dts: { entry: { index: "src/index.ts", server: "src/server.ts" }, compilerOptions: { ignoreDeprecations: "6.0" } },
  clean: true,
  sourcemap: true,
  target: "node20",
  platform: "node",
  external: [/^@modelmesh\//, "modelmesh", "undici", "zod", "yaml", "msgpackr"],
});
