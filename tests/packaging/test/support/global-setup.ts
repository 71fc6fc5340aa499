/**
 * Packs every published package (and the third-party connector example) once for all test files, two at a time,
 * into a temp folder that is removed at the end. The tests read the tarballs, never the workspace's folders.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { pack, workspacePackages, type PackedPackage } from "./packages.js";

declare module "vitest" {
  export interface ProvidedContext {
    packed: PackedPackage[];
    packDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), "modelmesh-packs-"));
  const wanted = [...workspacePackages(), ...workspacePackages({ all: true }).filter((pkg) => pkg.name === "@acme/modelmesh-connector-echo")];
  const packed: PackedPackage[] = [];
  for (let i = 0; i < wanted.length; i += 2) packed.push(...(await Promise.all(wanted.slice(i, i + 2).map((pkg) => pack(pkg, dir)))));
  project.provide("packed", packed);
  project.provide("packDir", dir);
  return () => rm(dir, { recursive: true, force: true });
}
