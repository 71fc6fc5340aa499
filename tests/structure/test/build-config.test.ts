/**
 * One build config and one test config for the whole workspace: every package built by tsup calls
 * `sharedBuildConfig` (or `perModuleBuildConfig`, built on it) from tsup.shared.ts, every package tested by vitest calls `sharedTestConfig` from
 * vitest.shared.ts (so `npm test` can sum every package's report). Folders in `build-config-pending.txt` are
 * skipped until they switch; a listed folder that already switched fails, so the list only shrinks.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readList, ROOT, workspacePackages } from "./support/workspace.js";

const packages = workspacePackages();
const pending = new Set(readList(join(ROOT, "tests/structure/build-config-pending.txt")));

/** Whether `file` (in a package folder two levels below the root) imports `name` from the root's `module`. */
function usesShared(file: string, name: string, module: string): boolean {
  if (!existsSync(file)) return false;
  const text = readFileSync(file, "utf8");
  return new RegExp(`import \\{[^}]*\\b${name}\\b[^}]*\\} from "\\.\\./\\.\\./${module}(\\.ts)?"`).test(text) && new RegExp(`\\b${name}\\(`).test(text);
}

describe("build and test configs", () => {
  const built = packages.filter((pkg) => /\btsup\b/.test(pkg.manifest.scripts?.build ?? ""));
  const tested = packages.filter((pkg) => /\bvitest\b/.test(pkg.manifest.scripts?.test ?? ""));

  it("every tsup build uses sharedBuildConfig (or perModuleBuildConfig) from tsup.shared.ts", () => {
    expect(built.length).toBeGreaterThan(0);
    const file = (pkg: (typeof built)[number]) => join(ROOT, pkg.dir, "tsup.config.ts");
    const own = built.filter((pkg) => !usesShared(file(pkg), "sharedBuildConfig", "tsup.shared") && !usesShared(file(pkg), "perModuleBuildConfig", "tsup.shared"));
    expect(own.map((pkg) => pkg.dir).filter((dir) => !pending.has(dir))).toEqual([]);
    expect([...pending].filter((dir) => !own.some((pkg) => pkg.dir === dir))).toEqual([]);
  });

  it("every vitest run uses sharedTestConfig from vitest.shared.ts", () => {
    expect(tested.length).toBeGreaterThan(0);
    expect(tested.filter((pkg) => !usesShared(join(ROOT, pkg.dir, "vitest.config.ts"), "sharedTestConfig", "vitest.shared")).map((pkg) => pkg.dir)).toEqual([]);
  });
});
