import { defineConfig } from "tsup";
import { sharedBuildConfig } from "../../tsup.shared";

const entry = { index: "src/index.ts" };
const external = ["@modelmesh/core", "@modelmesh/cdk", "zod"];

// ESM is emitted unbundled, one file per module: with `sideEffects: false` a bundler keeps only the modules a
// program reaches, so `createOpenAICompatibleProvider` (or `OpenAIProvider`) bundles without the connector
// descriptors, the presets and their zod schemas. CJS stays one bundled file.
export default defineConfig([
  {
    ...sharedBuildConfig({ entry, external, format: ["esm"], dts: { entry }, clean: ["**/*.js", "**/*.js.map", "**/*.d.ts"] }),
    entry: ["src/**/*.ts", "!src/**/*.test.ts"],
    bundle: false,
  },
  sharedBuildConfig({ entry, external, format: ["cjs"], dts: { entry }, clean: ["**/*.cjs", "**/*.cjs.map", "**/*.d.cts"] }),
]);
