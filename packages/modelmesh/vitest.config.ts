import { defineConfig } from "vitest/config";
import { sharedTestConfig } from "../../vitest.shared";

export default defineConfig(sharedTestConfig("modelmesh", { typecheck: { enabled: true, include: ["test/**/*.test-d.ts"] } }));
