import { resolve } from "node:path";
import { defineConfig } from "tsup";
import { sharedBuildConfig, type SharedBuildOverrides } from "../../tsup.shared";

const base: SharedBuildOverrides = {
  entry: { index: "src/index.ts", server: "src/server.ts", bundle: "src/bundle.ts" },
  target: "node20",
  platform: "node",
  external: ["@modelmesh/core", "@modelmesh/cdk", "vitest", "esbuild"],
};

// The ESM build imports vitest (an optional peer) with a top-level await; CommonJS has none, and vitest cannot be
// required anyway, so the CJS build swaps the vitest module for a stand-in (src/conformance/vitest-suite.cjs.ts).
export default defineConfig([
  sharedBuildConfig({ ...base, format: ["esm"], clean: ["**/*.js", "**/*.js.map", "**/*.d.ts"] }),
  sharedBuildConfig({
    ...base,
    format: ["cjs"],
    clean: ["**/*.cjs", "**/*.cjs.map", "**/*.d.cts"],
    esbuildPlugins: [
      {
        name: "vitest-suite-cjs",
        setup(build) {
          build.onResolve({ filter: /\/vitest-suite\.js$/ }, (args) => ({ path: resolve(args.resolveDir, args.path.replace(/\.js$/, ".cjs.ts")) }));
        },
      },
    ],
  }),
]);
