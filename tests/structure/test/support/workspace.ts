/** The workspace as the structure test sees it: every package folder, its manifest and its entry points. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute path of the repository root, with a trailing slash. */
export const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

/** The parts of a package.json the structure test reads. */
export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  type?: string;
  sideEffects?: boolean;
  exports?: Record<string, unknown>;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** One workspace package. */
export interface WorkspacePackage {
  /** Folder relative to the root, e.g. `packages/core`. */
  dir: string;
  manifest: Manifest;
}

/** One public entry point of a package: an `exports` subpath other than `./package.json`. */
export interface EntryPoint {
  /** The `exports` key: `.` or `./node`. */
  subpath: string;
  /** What a user imports: `@modelmesh/cdk/node`. */
  specifier: string;
  /** The source file tsup builds it from (`src/index.ts`, `src/node.ts`), relative to the package folder. */
  source: string;
}

/** Folders listed in pnpm-workspace.yaml (`packages/*` style globs only). */
function workspaceGlobs(): string[] {
  const yaml = readFileSync(join(ROOT, "pnpm-workspace.yaml"), "utf8");
  const list = yaml.slice(yaml.indexOf("packages:")).split("\n").slice(1);
  const globs: string[] = [];
  for (const line of list) {
    const match = /^\s+-\s+["']?([^"'\s]+)["']?\s*$/.exec(line);
    if (!match) break;
    globs.push(match[1]!);
  }
  return globs;
}

/** Every workspace package, sorted by folder. */
export function workspacePackages(): WorkspacePackage[] {
  const packages: WorkspacePackage[] = [];
  for (const glob of workspaceGlobs()) {
    if (!glob.endsWith("/*")) throw new Error(`unsupported workspace glob ${glob}`);
    const parent = glob.slice(0, -2);
    for (const entry of readdirSync(join(ROOT, parent), { withFileTypes: true })) {
      const dir = `${parent}/${entry.name}`;
      if (entry.isDirectory() && existsSync(join(ROOT, dir, "package.json"))) {
        packages.push({ dir, manifest: JSON.parse(readFileSync(join(ROOT, dir, "package.json"), "utf8")) as Manifest });
      }
    }
  }
  return packages.sort((a, b) => a.dir.localeCompare(b.dir));
}

/** The packages that go to npm (`private` is not set). */
export function publishedPackages(): WorkspacePackage[] {
  return workspacePackages().filter((pkg) => pkg.manifest.private !== true);
}

/** The entry points of a package's `exports` map; `./x` is built from `src/x.ts`, `.` from `src/index.ts`. */
export function entryPoints(pkg: WorkspacePackage): EntryPoint[] {
  return Object.keys(pkg.manifest.exports ?? {})
    .filter((subpath) => subpath !== "./package.json")
    .map((subpath) => ({
      subpath,
      specifier: subpath === "." ? pkg.manifest.name : `${pkg.manifest.name}${subpath.slice(1)}`,
      source: subpath === "." ? "src/index.ts" : `src/${subpath.slice(2)}.ts`,
    }));
}

/** Every file path named in an `exports` entry (conditions flattened), e.g. `./dist/index.d.cts`. */
export function exportTargets(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (value && typeof value === "object") return Object.values(value).flatMap(exportTargets);
  return [];
}

/** Non-blank lines of a list file, without `#` comments. */
export function readList(path: string): string[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter(Boolean);
}
