import { BaseProvider, BrowserBaseProvider } from "../../../src/providers/base-provider.js";
import { NodeBaseProvider } from "../../../src/providers/node-base-provider.js";
import type { ProviderBase } from "../../../src/providers/provider-base.js";
import type { ProviderConfig } from "../../../src/providers/provider-config.js";

/** The provider base classes that must behave identically against the same server. */
export const VARIANTS: Array<[name: string, create: (config: ProviderConfig) => ProviderBase]> = [
  ["BaseProvider (fetch default)", (config) => new BaseProvider(config)],
  ["BrowserBaseProvider (fetch)", (config) => new BrowserBaseProvider(config)],
  ["NodeBaseProvider (undici default)", (config) => new NodeBaseProvider(config)],
];
