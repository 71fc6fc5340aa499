import { defineConfig } from "vitest/config";
import { sharedTestConfig } from "../../vitest.shared";

export default defineConfig(sharedTestConfig("packaging", { include: ["test/**/*.test.ts"], globalSetup: ["test/support/global-setup.ts"] }));
