import type { ModelInfo } from "@modelmesh/core";

/** A copy of a model entry whose lists and nested objects are its own (catalogues are shared, configs are not). */
export function copyModelInfo(model: ModelInfo): ModelInfo {
  return {
    ...model,
    capabilities: [...model.capabilities],
    ...(model.pricing ? { pricing: { ...model.pricing } } : {}),
    ...(model.features ? { features: { ...model.features } } : {}),
    ...(model.delivery ? { delivery: { ...model.delivery } } : {}),
  };
}

/**
 * Configured models completed from a connector's catalogue: a configured entry keeps every value it sets and
 * takes the catalogue's for the rest (capabilities when it lists none, sizes, prices; features merged). No
 * configured models: the whole catalogue. `find` locates an id's entry (default: the same id; a connector may
 * match snapshots or aliases).
 * @example
 * const models = withCatalogue(config.models, ACME_MODELS);
 */
export function withCatalogue(
  configured: readonly ModelInfo[] | undefined,
  catalogue: readonly ModelInfo[],
  find: (id: string) => ModelInfo | undefined = (id) => catalogue.find((model) => model.id === id),
): ModelInfo[] {
  if (!configured || configured.length === 0) return catalogue.map(copyModelInfo);
  return configured.map((model) => {
    const known = find(model.id);
    if (!known) return copyModelInfo(model);
    const defined = Object.fromEntries(Object.entries(model).filter(([, value]) => value !== undefined)) as Partial<ModelInfo>;
    return {
      ...copyModelInfo(known),
      ...defined,
      id: model.id,
      capabilities: model.capabilities.length > 0 ? [...model.capabilities] : [...known.capabilities],
      features: { ...known.features, ...model.features },
    };
  });
}
