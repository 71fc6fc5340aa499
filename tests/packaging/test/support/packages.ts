/** The workspace's packages as users get them: which are published, and packing them the way `pnpm publish` does. */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const ROOT = resolve(import.meta.dirname, "../../../..");
/** Where the repository lives; package.json `repository` and README links point here. */
export const REPOSITORY = "https://github.com/modelmesh/modelmesh";

export interface WorkspacePackage {
  readonly name: string;
  /** Folder relative to the repository root (`packages/core`). */
  readonly dir: string;
  readonly private: boolean;
}

export interface PackedPackage extends WorkspacePackage {
  /** Absolute path of the .tgz. */
  readonly tarball: string;
}

/** Every package of packages/* and apps/*, with the third-party connector example; published ones unless `all`. */
export function workspacePackages(options: { all?: boolean } = {}): WorkspacePackage[] {
  const found: WorkspacePackage[] = [];
  for (const group of ["packages", "apps", "examples"]) {
    for (const entry of readdirSync(join(ROOT, group), { withFileTypes: true })) {
      const file = join(ROOT, group, entry.name, "package.json");
      if (!entry.isDirectory() || !existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, "utf8")) as { name: string; private?: boolean };
      found.push({ name: manifest.name, dir: `${group}/${entry.name}`, private: manifest.private === true });
    }
  }
  return found.filter((pkg) => options.all || !pkg.private).sort((a, b) => a.name.localeCompare(b.name));
}

/** The pnpm the repository pins (installed by `npm test` into .tools/bin), else the one on PATH. */
export function pnpmCommand(): string {
  const pinned = join(ROOT, ".tools/bin/pnpm");
  return existsSync(pinned) ? pinned : "pnpm";
}

/** Packs one package with pnpm (workspace: ranges become versions, as on publish) into `destination`. */
export async function pack(pkg: WorkspacePackage, destination: string): Promise<PackedPackage> {
  const { stdout } = await run(pnpmCommand(), ["pack", "--pack-destination", destination, "--json"], { cwd: join(ROOT, pkg.dir), maxBuffer: 16 * 1024 * 1024 });
  const start = stdout.indexOf("{");
  const report = JSON.parse(stdout.slice(start)) as { filename: string };
  return { ...pkg, tarball: resolve(destination, report.filename) };
}
