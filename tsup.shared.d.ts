import type { Options } from "tsup";
/** What a package's `tsup.config.ts` passes to {@link sharedBuildConfig}: its entries and what differs. */
export interface SharedBuildOverrides extends Omit<Options, "entry" | "dts"> {
    /** Output name → source file, e.g. `{ index: "src/index.ts", node: "src/node.ts" }`. */
    entry: Record<string, string>;
    /** `false` for apps that ship no types; `{ entry }` to emit declarations for some entries only. */
    dts?: false | {
        entry: Record<string, string>;
    };
}
/**
 * Build settings shared by every package and app; tsup runs in the package's folder. ESM and CJS, declarations,
 * source maps (without the sources inside), ES2022, platform-neutral (Node-only packages pass `platform: "node"`, see docs/ARCHITECTURE.md §1),
 * and `__PACKAGE_VERSION__` set from the package's own package.json (it feeds the `VERSION` exports).
 */
export declare function sharedBuildConfig(overrides: SharedBuildOverrides): Options;
/**
 * The build of a package whose ESM is emitted unbundled, one file per module, CJS staying one bundled file per
 * entry (see tsup.shared.ts).
 */
export declare function perModuleBuildConfig(overrides: SharedBuildOverrides & {
    exclude?: string[];
}): Options[];
