/** Config texts used by the loader tests. */

/** The zero-code provider block, with `models` nested under `config`. */
export const SEED_YAML = `# modelmesh.yaml -- a complete custom provider, zero code
providers:
  my-openai-proxy:
    connector: openai-compatible
    config:
      base_url: "https://my-proxy.internal/v1"
      auth:
        method: api_key
        api_key: "\${secrets:proxy-key}"
      models:
        - id: "gpt-4o"
          capabilities: ["generation.text-generation.chat-completion"]
          context_window: 128000
`;

/** The same block with the model list at the provider entry instead of inside `config`. */
export const SEED_YAML_PROVIDER_MODELS = `providers:
  my-openai-proxy:
    connector: openai-compatible
    config:
      base_url: "https://my-proxy.internal/v1"
      auth:
        method: api_key
        api_key: "\${secrets:proxy-key}"
    models:
      - id: "gpt-4o"
        capabilities: ["generation.text-generation.chat-completion"]
        context_window: 128000
`;

/** A complete config using every section (docs/ARCHITECTURE.md §2.2). */
export const COMPLETE_EXAMPLE_YAML = `secrets:
  store: modelmesh.dotenv.v1
  path: ./.env
providers:
  openai:
    connector: openai.llm.v1
    config:
      api_key: "\${secrets:OPENAI_API_KEY}"
    budget: { daily_limit: 5.00, monthly_limit: 50.00 }
    discovery: { enumerate_models: true }
  groq:
    connector: groq.api.v1
    config:
      api_key: "\${env:GROQ_API_KEY}"
    quota: { reset_schedule: daily }
  local:
    connector: openai-compatible
    config:
      base_url: http://127.0.0.1:11434/v1
models:
  local.llama3:
    provider: local
    capabilities: [generation.text-generation.chat-completion]
    delivery: { synchronous: true, streaming: true, batch: false }
    features: { tool_calling: false, system_prompt: true }
    constraints: { context_window: 8192, max_output_tokens: 2048 }
pools:
  text-generation:
    strategy: modelmesh.cost-first.v1
    deactivation: { retry_limit: 3, error_codes: [429, 500, 503], request_limit: 14000, quota_window: daily }
    recovery: { cooldown: 60s, on_quota_reset: true, quota_reset_schedule: daily_utc, probe_interval: 300s }
    retry: { max_attempts: 2, backoff: exponential_jitter, initial_delay: 500ms, max_delay: 10s, scope: same_model }
    provider_deactivation: on_auth_failure
    provider_recovery: on_probe_success
  code-review:
    capability: generation.text-generation.code-generation
    strategy: modelmesh.priority-selection.v1
    model_priority: [openai.gpt-4o, local.llama3]
    fallback_strategy: modelmesh.cost-first.v1
storage: { connector: modelmesh.local-file.v1, path: ./mesh-state.json, sync_policy: sync-on-boundary }
observability:
  routing: { connector: modelmesh.console.v1 }
  logging: { connector: modelmesh.local-file.v1, level: metadata, path: ./requests.jsonl }
  statistics: { connector: modelmesh.local-file.v1, path: ./stats.json, flush_interval: 60s }
discovery:
  sync: { enabled: true, interval: 1h, auto_register: true }
  health: { enabled: true, interval: 60s, timeout: 10s, failure_threshold: 3 }
proxy:
  host: 127.0.0.1
  port: 8080
  endpoints: [/v1/chat/completions, /v1/embeddings]
  auth: { method: bearer, tokens: ["\${secrets:PROXY_TOKEN}"] }
`;
