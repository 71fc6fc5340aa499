/**
 * The official AWS SDK (`@aws-sdk/client-bedrock-runtime`, a devDependency) set up for the fidelity tests:
 * static credentials with a session token, a fixed region, the endpoint of a local recording server, and
 * the HTTP/1.1 handler (the client defaults to HTTP/2, which a plain `node:http` server does not speak). The
 * handler comes from the SDK's own dependency, resolved from the SDK's location.
 */
import { createRequire } from "node:module";
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";

export const AWS_CREDENTIALS = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  sessionToken: "IQoJb3JpZ2luX2VjEXAMPLEsessionTOKEN0123456789",
};
export const REGION = "us-east-1";

const sdkRequire = createRequire(createRequire(import.meta.url).resolve("@aws-sdk/client-bedrock-runtime"));
const { NodeHttpHandler } = sdkRequire("@smithy/node-http-handler") as { NodeHttpHandler: new (options?: object) => unknown };

/** An SDK client pointed at `endpoint`, without retries (a failure surfaces at once, as ours does). */
export function sdkClient(endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = AWS_CREDENTIALS): BedrockRuntimeClient {
  return new BedrockRuntimeClient({
    region: REGION,
    endpoint,
    credentials,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler() as never,
  });
}
