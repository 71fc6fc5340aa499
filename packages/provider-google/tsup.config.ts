import { defineConfig } from "tsup";
import pkg from "./package.json" with { type: "json" };

export default defineConfig({
  entry: { index: "src/index.ts" },
  format: ["esm", "cjs"],
  // tsup 8 injects `baseUrl` into the dts compiler options; TypeScript 6 rejects it unless silenced.
  dts: { compilerOptions: { ignoreDeprecations: "6.0" } },
  clean: true,
  sourcemap: true,
  target: "es2022",
  platform: "neutral",
  external: ["@modelmesh/core", "@modelmesh/cdk", "zod"],
  define: { __PACKAGE_VERSION__: JSON.stringify(pkg.version) },
});
