import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { build, type Metafile } from "esbuild";
import { describe, expect, it } from "vitest";

/**
 * The browser path (`createOpenAICompatibleProvider` with the fetch transport, chat + stream + embeddings)
 * bundled as a browser build would bundle it: esbuild, `platform: "browser"`, ESM, minified, through this
 * package's source and `@modelmesh/cdk`'s built dist (its per-module ESM output is what makes it tree-shake).
 * `@modelmesh/core` is external: its share is core's own budget. `scripts/browser-size.mjs` prints the details.
 */

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const FORBIDDEN = /^node:|[/\\]node_modules[/\\](?:\.pnpm[/\\][^/\\]+[/\\]node_modules[/\\])?(undici|yaml|msgpackr|zod)[/\\]/;
/** Gzipped bytes the provider path may take (measured 15.4 kB when this budget was set). */
const BUDGET_GZIPPED = 16_000;

const BROWSER_ENTRY = `
import { createOpenAICompatibleProvider } from "./src/index.ts";
export async function run(apiKey) {
  const provider = createOpenAICompatibleProvider({ baseUrl: "https://api.example.test/v1", apiKey });
  const messages = [{ role: "user", content: "hi" }];
  const reply = await provider.complete({ model: "gpt-4o-mini", messages });
  for await (const chunk of provider.stream({ model: "gpt-4o-mini", messages })) void chunk;
  return [reply, await provider.embed({ model: "text-embedding-3-small", input: "hi" })];
}
`;

async function bundle(contents: string): Promise<{ gzipped: number; kept: string[]; imports: string[] }> {
  const result = await build({
    stdin: { contents, resolveDir: ROOT, loader: "ts", sourcefile: "browser-entry.ts" },
    absWorkingDir: ROOT,
    bundle: true,
    platform: "browser",
    format: "esm",
    minify: true,
    write: false,
    metafile: true,
    logLevel: "silent",
    // `node:*` is external so a violation shows up as an import instead of failing the build.
    external: ["@modelmesh/core", "node:*"],
  });
  const output = Object.values((result.metafile as Metafile).outputs)[0]!;
  const kept = Object.entries(output.inputs)
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([path]) => path);
  return { gzipped: gzipSync(result.outputFiles[0]!.contents).byteLength, kept, imports: output.imports.map((entry) => entry.path) };
}

describe("browser bundle of createOpenAICompatibleProvider (esbuild, platform: browser)", () => {
  it("keeps no zod, yaml, msgpackr, undici or node: module", async () => {
    const { kept, imports } = await bundle(BROWSER_ENTRY);
    expect(kept.some((path) => path.includes("openai-compatible-factory"))).toBe(true);
    expect(kept.some((path) => /cdk[/\\]dist[/\\]transport[/\\]fetch-transport/.test(path))).toBe(true);
    expect([...kept, ...imports].filter((path) => FORBIDDEN.test(path))).toEqual([]);
    expect([...new Set(imports)]).toEqual(["@modelmesh/core"]);
  });

  it(`stays within ${BUDGET_GZIPPED / 1000} kB gzipped (core excluded)`, async () => {
    const { gzipped } = await bundle(BROWSER_ENTRY);
    expect(gzipped).toBeLessThanOrEqual(BUDGET_GZIPPED);
  });

  it("the check itself sees zod when the connector descriptors (zod config schemas) are used", async () => {
    const { kept } = await bundle(`export { connectors } from "./src/index.ts";`);
    expect(kept.filter((path) => FORBIDDEN.test(path))).toEqual(expect.arrayContaining([expect.stringMatching(/[/\\]zod[/\\]/)]));
  });
});
