import { providerConfigFromYaml, providerConfigSchema, type ProviderConfig } from "@modelmesh/cdk";
import { ConfigError, type ConfigIssue } from "@modelmesh/core";
import { z } from "zod";
import type { AwsCredentials } from "./sigv4.js";

/**
 * Configuration of `aws.bedrock.v1`: the snake_case block (YAML and code alike, docs/ARCHITECTURE.md §2.2),
 * validated by {@link bedrockProviderConfigSchema}, and its camelCase form {@link BedrockProviderConfig}.
 * Unknown keys are rejected (a key either works or names itself in a config error).
 */

/** The default endpoint of a region. */
export function bedrockRuntimeUrl(region: string): string {
  return `https://bedrock-runtime.${region}.amazonaws.com`;
}

/** The SigV4 service name of Bedrock runtime. */
export const BEDROCK_SIGNING_SERVICE = "bedrock";

/** `us-east-1`, `eu-central-2`, `us-gov-west-1`, `ap-southeast-1`… */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** A source of (temporary) credentials, called per request; the answer is kept until its `expiration`. */
export type AwsCredentialsProvider = () => AwsCredentials | Promise<AwsCredentials>;

/** camelCase configuration of {@link BedrockProvider}. */
export interface BedrockProviderConfig extends Omit<ProviderConfig, "baseUrl" | "apiKey"> {
  /** AWS region (`us-east-1`); picks the default endpoint and the signing scope. */
  region?: string;
  /** Endpoint override (a VPC endpoint, a proxy, a test server); default `https://bedrock-runtime.{region}.amazonaws.com`. */
  baseUrl?: string;
  /** Static credentials, or a provider function (e.g. from `@aws-sdk/credential-providers`) called per request. */
  credentials?: AwsCredentials | AwsCredentialsProvider;
  /** A Bedrock API key: sent as `Authorization: Bearer`, no SigV4 signing. Never appears in errors. */
  apiKey?: string;
}

/** Zod schema of the snake_case config block. */
export const bedrockProviderConfigSchema = /*#__PURE__*/ providerConfigSchema
  .pick({ models: true, capabilities: true, timeout: true, headers: true })
  .extend({
    region: z.string().regex(REGION, "expected an AWS region such as us-east-1").optional(),
    base_url: z.url().optional(),
    access_key_id: z.string().min(1).optional(),
    secret_access_key: z.string().min(1).optional(),
    session_token: z.string().min(1).optional(),
    api_key: z.string().min(1).optional(),
  })
  .strict();

/** The snake_case config block, as validated. */
export type BedrockProviderConfigBlock = z.input<typeof bedrockProviderConfigSchema>;

/** Where {@link bedrockConfigFromBlock} reads fallbacks from. */
export interface BedrockBlockOptions {
  /** Environment for `AWS_REGION`, `AWS_ACCESS_KEY_ID`, … (the mesh's; in code `process.env` by default). */
  env?: Record<string, string | undefined>;
  /** Path prefix of config errors. */
  path?: string;
  /** Credentials come from elsewhere (a provider function in code): the environment's are not read. */
  credentialsGiven?: boolean;
}

/** The region named by a Bedrock endpoint (`bedrock-runtime.eu-west-1.amazonaws.com` → `eu-west-1`). */
export function regionOfUrl(url: string | undefined): string | undefined {
  return url ? /bedrock-runtime(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com/i.exec(url)?.[1] : undefined;
}

/**
 * Validates a snake_case block and maps it to {@link BedrockProviderConfig}. Missing values fall back to
 * the environment: `region` to `AWS_REGION` / `AWS_DEFAULT_REGION`; credentials (when the block has none)
 * to `AWS_BEARER_TOKEN_BEDROCK`, else `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`.
 * @throws ConfigError (`MM_CONFIG_INVALID`) naming every invalid key (values are never echoed).
 */
export function bedrockConfigFromBlock(block: unknown, options: BedrockBlockOptions = {}): BedrockProviderConfig {
  const path = options.path ?? "config";
  const parsed = bedrockProviderConfigSchema.safeParse(block ?? {});
  const at = (key: string) => `${path}.${key}`;
  if (!parsed.success) {
    throw new ConfigError({
      issues: parsed.error.issues.map((issue) => {
        const keys = (issue as { keys?: string[] }).keys;
        if (issue.code === "unrecognized_keys" && keys) return { path: keys.map(at).join(", "), message: `unknown key${keys.length > 1 ? "s" : ""} of aws.bedrock.v1 (known: region, base_url, access_key_id, secret_access_key, session_token, api_key, models, capabilities, timeout, headers)` };
        return { path: [path, ...issue.path.map(String)].join("."), message: issue.message };
      }),
    });
  }
  const data = parsed.data;
  const env = options.env ?? {};
  const issues: ConfigIssue[] = [];
  const hasKeys = data.access_key_id !== undefined || data.secret_access_key !== undefined;
  if (data.api_key !== undefined && (hasKeys || data.session_token !== undefined)) {
    issues.push({ path: at("api_key"), message: "set either api_key (a Bedrock API key) or access_key_id / secret_access_key, not both" });
  }
  if (data.access_key_id !== undefined && data.secret_access_key === undefined) issues.push({ path: at("secret_access_key"), message: "required with access_key_id (set both, or neither)" });
  if (data.secret_access_key !== undefined && data.access_key_id === undefined) issues.push({ path: at("access_key_id"), message: "required with secret_access_key (set both, or neither)" });
  if (data.session_token !== undefined && !hasKeys) issues.push({ path: at("session_token"), message: "needs access_key_id and secret_access_key (a session token belongs to temporary keys)" });
  if (issues.length > 0) throw new ConfigError({ issues });

  const { region, access_key_id, secret_access_key, session_token, api_key, base_url, ...common } = data;
  const resolvedRegion = region ?? regionOfUrl(base_url) ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION);
  if (resolvedRegion !== undefined && !REGION.test(resolvedRegion)) {
    throw new ConfigError({ issues: [{ path: at("region"), message: "AWS_REGION / AWS_DEFAULT_REGION is not an AWS region such as us-east-1" }] });
  }
  // cdk maps models, capabilities, timeout and headers; the base URL is only a placeholder for its checks.
  const mapped = providerConfigFromYaml({ ...common, base_url: base_url ?? "https://bedrock-runtime.invalid" }, path);
  const config: BedrockProviderConfig = {};
  for (const key of ["models", "capabilities", "timeoutMs", "headers"] as const) if (mapped[key] !== undefined) (config as Record<string, unknown>)[key] = mapped[key];
  if (base_url !== undefined) config.baseUrl = mapped.baseUrl;
  if (resolvedRegion !== undefined) config.region = resolvedRegion;
  if (api_key !== undefined) config.apiKey = api_key;
  else if (access_key_id !== undefined && secret_access_key !== undefined) {
    config.credentials = { accessKeyId: access_key_id, secretAccessKey: secret_access_key, ...(session_token !== undefined ? { sessionToken: session_token } : {}) };
  } else if (!options.credentialsGiven) Object.assign(config, credentialsFromEnv(env));
  return config;
}

/** Credentials from the environment: the Bedrock API key first (as the AWS SDK does), then access keys. */
function credentialsFromEnv(env: Record<string, string | undefined>): Pick<BedrockProviderConfig, "apiKey" | "credentials"> {
  const bearer = nonEmpty(env.AWS_BEARER_TOKEN_BEDROCK);
  if (bearer !== undefined) return { apiKey: bearer };
  const id = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secret = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  if (id === undefined && secret === undefined) return {};
  if (id === undefined || secret === undefined) {
    throw new ConfigError({ issues: [{ path: id === undefined ? "env.AWS_ACCESS_KEY_ID" : "env.AWS_SECRET_ACCESS_KEY", message: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together" }] });
  }
  const token = nonEmpty(env.AWS_SESSION_TOKEN);
  return { credentials: { accessKeyId: id, secretAccessKey: secret, ...(token !== undefined ? { sessionToken: token } : {}) } };
}

function nonEmpty(value: string | undefined): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/**
 * Checks a camelCase config (after the block and code extras are merged): a region (unless an API key and an
 * endpoint make it unnecessary), and exactly one credential source.
 * @throws ConfigError naming the keys to set.
 */
export function checkBedrockConfig(config: BedrockProviderConfig, path = "config"): void {
  const issues: ConfigIssue[] = [];
  if (config.region !== undefined && !REGION.test(config.region)) issues.push({ path: `${path}.region`, message: "expected an AWS region such as us-east-1" });
  if (config.region === undefined && regionOfUrl(config.baseUrl) === undefined && !(config.apiKey && config.baseUrl)) {
    issues.push({ path: `${path}.region`, message: "required: set region (or AWS_REGION / AWS_DEFAULT_REGION); it picks the endpoint and the signing scope" });
  }
  if (config.apiKey && config.credentials) issues.push({ path: `${path}.api_key`, message: "set either api_key or AWS credentials, not both" });
  if (!config.apiKey && !config.credentials) {
    issues.push({
      path: `${path}.access_key_id`,
      message: "no AWS credentials: set access_key_id and secret_access_key (or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), or api_key (or AWS_BEARER_TOKEN_BEDROCK), or pass a credentials provider in code",
    });
  }
  const credentials = config.credentials;
  if (credentials !== undefined && typeof credentials !== "function" && (typeof credentials.accessKeyId !== "string" || credentials.accessKeyId === "" || typeof credentials.secretAccessKey !== "string" || credentials.secretAccessKey === "")) {
    issues.push({ path: `${path}.credentials`, message: "needs a non-empty accessKeyId and secretAccessKey" });
  }
  if (issues.length > 0) throw new ConfigError({ issues });
}
