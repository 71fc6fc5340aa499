/**
 * Which package ships each connector id and alias of the ModelMesh packages, so that a config naming one whose
 * package is not registered gets the package to install instead of a bare "unknown connector". Kept equal to
 * the packages' own descriptors by a test (tests/structure).
 */
export const KNOWN_CONNECTOR_PACKAGES: Readonly<Record<string, readonly string[]>> = {
  "@modelmesh/cdk": ["modelmesh.openai-compatible.v1", "openai-compatible", "modelmesh.http-api.v1", "http-api", "modelmesh.quick.v1", "quick", "modelmesh.threshold-rotation.v1", "threshold-rotation", "modelmesh.threshold-rotation-recovery.v1", "threshold-rotation-recovery"],
  "@modelmesh/rotation": ["modelmesh.priority-selection.v1", "priority-selection", "modelmesh.round-robin.v1", "round-robin", "modelmesh.cost-first.v1", "cost-first", "modelmesh.latency-first.v1", "latency-first", "modelmesh.session-stickiness.v1", "session-stickiness", "modelmesh.rate-limit-aware.v1", "rate-limit-aware", "modelmesh.load-balanced.v1", "load-balanced", "modelmesh.rules-deactivation.v1", "rules-deactivation", "modelmesh.calendar-recovery.v1", "calendar-recovery"],
  "@modelmesh/secrets": ["modelmesh.env.v1", "env", "modelmesh.memory-secrets.v1", "memory-secrets", "modelmesh.dotenv.v1", "dotenv", "modelmesh.json-secrets.v1", "json-secrets", "modelmesh.toml-secrets.v1", "toml-secrets", "modelmesh.encrypted-file.v1", "encrypted-file"],
  "@modelmesh/storage": ["modelmesh.memory.v1", "memory", "modelmesh.local-file.v1", "local-file"],
  "@modelmesh/storage-redis": ["modelmesh.redis.v1", "redis"],
  "@modelmesh/observability": ["modelmesh.console.v1", "console", "modelmesh.null.v1", "null", "modelmesh.webhook.v1", "webhook", "modelmesh.prometheus.v1", "prometheus"],
  "@modelmesh/observability/node": ["modelmesh.file.v1", "file", "modelmesh.json-log.v1", "json-log"],
  "@modelmesh/observability-otel": ["modelmesh.otel.v1", "otel", "opentelemetry"],
  "@modelmesh/discovery": ["modelmesh.health-monitor.v1", "health-monitor", "modelmesh.registry-sync.v1", "registry-sync"],
  "@modelmesh/provider-openai": ["openai.llm.v1", "openai", "groq.api.v1", "groq", "together.api.v1", "together", "deepseek.api.v1", "deepseek", "mistral.api.v1", "mistral", "xai.grok.v1", "xai", "grok", "openrouter.gateway.v1", "openrouter", "fireworks.api.v1", "fireworks", "cerebras.api.v1", "cerebras", "perplexity.search.v1", "perplexity", "ollama.local.v1", "ollama", "vllm.local.v1", "vllm", "lmstudio.local.v1", "lmstudio", "lm-studio", "huggingface.router.v1", "huggingface", "hf", "localai.local.v1", "localai", "azure.openai.v1", "azure-openai", "azure"],
  "@modelmesh/provider-anthropic": ["anthropic.claude.v1", "anthropic", "claude"],
  "@modelmesh/provider-google": ["google.gemini.v1", "gemini", "google-gemini"],
  "@modelmesh/provider-cohere": ["cohere.chat.v2", "cohere"],
  "@modelmesh/provider-bedrock": ["aws.bedrock.v1", "bedrock", "aws-bedrock"],
};

/** The package that ships `idOrAlias`, when it is one of ModelMesh's own connectors. */
export function knownConnectorPackage(idOrAlias: string): string | undefined {
  for (const [pkg, names] of Object.entries(KNOWN_CONNECTOR_PACKAGES)) if (names.includes(idOrAlias)) return pkg;
  return undefined;
}
