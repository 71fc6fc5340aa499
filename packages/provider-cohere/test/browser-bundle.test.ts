import { fileURLToPath } from "node:url";
import { browserBundleReport } from "@modelmesh/testing/bundle";
import { describe, expect, it } from "vitest";

/**
 * The browser path (`new CohereProvider` with the fetch transport: chat, stream, embeddings) bundled as a
 * browser build would bundle it — esbuild, `platform: "browser"`, ESM, minified, through this package's source
 * and cdk's built dist. `@modelmesh/core` is external (its share is core's own budget).
 */

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Gzipped bytes the provider path may take (measured 18.7 kB, cdk's provider base included, when this budget was set). */
const BUDGET_GZIPPED = 20_000;
const FORBIDDEN = /^node:|[/\\]node_modules[/\\](?:\.pnpm[/\\][^/\\]+[/\\]node_modules[/\\])?(undici|yaml|msgpackr|zod)[/\\]/;

const BROWSER_ENTRY = `
import { CohereProvider } from "./src/index.ts";
export async function run(apiKey) {
  const provider = new CohereProvider({ apiKey });
  const messages = [{ role: "user", content: "hi" }];
  const reply = await provider.complete({ model: "command-r7b-12-2024", messages });
  for await (const chunk of provider.stream({ model: "command-r7b-12-2024", messages })) void chunk;
  return [reply, await provider.embed({ model: "embed-v4.0", input: "hi" })];
}
`;

async function bundle(contents: string) {
  // `node:*` is external so a violation shows up as an import instead of failing the build.
  const report = await browserBundleReport({ contents }, { cwd: ROOT, external: ["@modelmesh/core", "node:*"] });
  return { gzipped: report.gzipBytes, kept: report.inputs, imports: report.imports };
}

describe("browser bundle of CohereProvider (esbuild, platform: browser)", () => {
  it("keeps no zod, yaml, msgpackr, undici or node: module", async () => {
    const { kept, imports } = await bundle(BROWSER_ENTRY);
    expect(kept.some((path) => path.includes("cohere-stream-mapping"))).toBe(true);
    expect([...kept, ...imports].filter((path) => FORBIDDEN.test(path))).toEqual([]);
    expect([...new Set(imports)]).toEqual(["@modelmesh/core"]);
  });

  it(`stays within ${BUDGET_GZIPPED / 1000} kB gzipped (core excluded)`, async () => {
    const { gzipped } = await bundle(BROWSER_ENTRY);
    expect(gzipped).toBeLessThanOrEqual(BUDGET_GZIPPED);
  });

  it("the check itself sees zod when the connector descriptor (zod config schema) is used", async () => {
    const { kept } = await bundle(`export { connector } from "./src/index.ts";`);
    expect(kept.filter((path) => FORBIDDEN.test(path))).toEqual(expect.arrayContaining([expect.stringMatching(/[/\\]zod[/\\]/)]));
  });
});
