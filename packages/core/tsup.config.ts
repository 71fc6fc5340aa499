import { defineConfig } from "tsup";
import { perModuleBuildConfig } from "../../tsup.shared";

// One file per module (tsup.shared.ts): a browser build that imports the router, the ledger or an error class
// (from the root or from `./runtime`) never sees the config schema, zod or yaml. Both entries re-export the same
// module files, so a class is one class whichever entry it is imported from.
export default defineConfig(
  perModuleBuildConfig({
    entry: { index: "src/index.ts", runtime: "src/runtime.ts" },
    external: ["yaml", "zod"],
    exclude: ["src/**/__fixtures__/**", "src/**/*-test-kit.ts"],
  }),
);
