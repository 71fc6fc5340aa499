import { ProviderError, codeForCategory, formatMessage } from "@modelmesh/core";
import type { Transport } from "@modelmesh/cdk";

/**
 * Microsoft Entra ID tokens for Azure OpenAI. A token provider (the shape the official SDK's `AzureOpenAI`
 * takes: `() => Promise<string>`, e.g. `getBearerTokenProvider(credential, scope)` from `@azure/identity`) is
 * asked once per HTTP request, so a provider that caches and refreshes its token is all that is needed. The
 * base class builds headers synchronously, so the token is added where a request is sent: a transport wrapper.
 */

/** Returns an Entra ID access token (without the `Bearer ` prefix). Called once per request. */
export type AzureADTokenProvider = () => Promise<string>;

/** A transport that may be closed (the CDK's default transports are). */
type ClosableTransport = Transport & { close?: () => Promise<void> };

/**
 * Wraps `inner` so each request carries `Authorization: Bearer <token>` from `tokenProvider`. A provider that
 * throws or returns no token fails the request with an `MM_AUTH` `ProviderError` (the cause kept, the token
 * never in a message). `ownsInner`: closing the wrapper closes `inner` (only when this provider created it).
 */
export function withAzureADToken(inner: Transport, tokenProvider: AzureADTokenProvider, providerId: () => string, ownsInner: boolean): Transport {
  const wrapped: ClosableTransport = async (request) => {
    let token: unknown;
    try {
      token = await tokenProvider();
    } catch (error) {
      throw tokenError(providerId(), "the azureADTokenProvider failed", error);
    }
    if (typeof token !== "string" || token === "") throw tokenError(providerId(), "the azureADTokenProvider returned no token");
    // The request object is built for this one send: replacing its headers affects nothing else.
    request.headers = { ...request.headers, authorization: `Bearer ${token}` };
    return inner(request);
  };
  const closable = inner as ClosableTransport;
  if (ownsInner && typeof closable.close === "function") wrapped.close = () => closable.close!();
  return wrapped;
}

function tokenError(provider: string, what: string, cause?: unknown): ProviderError {
  return new ProviderError({
    code: codeForCategory("auth"),
    category: "auth",
    retryable: false,
    provider,
    message: formatMessage(`provider ${provider}`, what, 'Check the Entra ID credential and its "Cognitive Services OpenAI User" role'),
    ...(cause !== undefined ? { cause } : {}),
  });
}
