import { defineConfig } from "tsup";
import { sharedBuildConfig } from "../../tsup.shared";

const entry = { index: "src/index.ts", runtime: "src/runtime.ts" };
const external = ["yaml", "zod"];

// ESM is emitted unbundled, one file per module (as in @modelmesh/cdk): with `sideEffects: false` a bundler keeps
// only the modules a program reaches, so a browser build that imports the router, the ledger or an error class
// (from the root or from `./runtime`) never sees the config schema, zod or yaml. Both entries re-export the same
// module files, so a class is one class whichever entry it is imported from. CJS stays one bundled file per entry.
export default defineConfig([
  {
    ...sharedBuildConfig({ entry, external, format: ["esm"], dts: { entry }, clean: ["**/*.js", "**/*.js.map", "**/*.d.ts"] }),
    entry: ["src/**/*.ts", "!src/**/*.test.ts", "!src/**/*.test-d.ts", "!src/**/__fixtures__/**", "!src/**/*-test-kit.ts"],
    bundle: false,
  },
  sharedBuildConfig({ entry, external, format: ["cjs"], dts: { entry }, clean: ["**/*.cjs", "**/*.cjs.map", "**/*.d.cts"] }),
]);
