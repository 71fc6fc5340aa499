declare const __PACKAGE_VERSION__: string | undefined;

/** Version of this package (injected at build time; `0.0.0` when running from source). */
export const VERSION: string = typeof __PACKAGE_VERSION__ === "string" ? __PACKAGE_VERSION__ : "0.0.0";
