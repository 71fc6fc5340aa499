import { defineConfig } from "tsup";
import { sharedBuildConfig } from "../../tsup.shared";

const entry = { index: "src/index.ts", node: "src/node.ts" };
const external = ["@modelmesh/core", "undici", "msgpackr", "yaml", "zod"];

// ESM is emitted unbundled, one file per module (hono's layout): with `sideEffects: false` a bundler then keeps
// only the modules a program reaches, so a browser build of a provider never sees the zod schemas, yaml,
// msgpackr or the undici transport of the other modules (one shared chunk would drag in every import it has).
// CJS (Node `require`) stays one bundled file per entry. `./node` holds the undici transport, so the build
// targets Node; the root entry stays browser-safe.
export default defineConfig([
  {
    ...sharedBuildConfig({ entry, platform: "node", external, format: ["esm"], dts: { entry }, clean: ["**/*.js", "**/*.js.map", "**/*.d.ts"] }),
    entry: ["src/**/*.ts", "!src/**/*.test.ts"],
    bundle: false,
  },
  sharedBuildConfig({ entry, platform: "node", external, format: ["cjs"], dts: { entry }, clean: ["**/*.cjs", "**/*.cjs.map", "**/*.d.cts"] }),
]);
