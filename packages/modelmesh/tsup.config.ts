import { defineConfig } from "tsup";
import { sharedBuildConfig } from "../../tsup.shared";

export default defineConfig(
  sharedBuildConfig({
    entry: { index: "src/index.ts", browser: "src/browser.ts" },
    target: "node20",
    platform: "node",
    external: [/^@modelmesh\//, "undici", "zod", "yaml", "msgpackr"],
  }),
);
