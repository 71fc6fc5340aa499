import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { amzDate, canonicalPath, canonicalQuery, canonicalRequest, deriveSigningKey, hmacSha256, sha256Hex, signRequest, SigningKeyCache, toHex } from "./sigv4.js";

interface Vector {
  name: string;
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: string;
  signedHeaders: string;
  signature: string;
  canonicalRequest?: string;
  stringToSign?: string;
}
const suite = JSON.parse(readFileSync(new URL("../test/fixtures/sigv4-test-suite.json", import.meta.url), "utf8")) as {
  credentials: { accessKeyId: string; secretAccessKey: string };
  region: string;
  service: string;
  amzDate: string;
  cases: Vector[];
  derivedKey: { secret: string; date: string; region: string; service: string; key: string };
};
const NOW = Date.UTC(2015, 7, 30, 12, 36, 0);

describe("SigV4 against AWS's published test-suite vectors", () => {
  it("formats the signing time as x-amz-date", () => {
    expect(amzDate(NOW)).toBe(suite.amzDate);
  });

  it("derives the documented signing key", async () => {
    const { secret, date, region, service, key } = suite.derivedKey;
    expect(toHex(await deriveSigningKey(secret, date, region, service))).toBe(key);
  });

  for (const vector of suite.cases) {
    it(`${vector.name}: canonical request, string to sign and signature`, async () => {
      const { request, signedHeaders } = canonicalRequest({ method: vector.method, path: vector.path, query: vector.query, headers: vector.headers, payloadHash: await sha256Hex(vector.body) });
      expect(signedHeaders).toBe(vector.signedHeaders);
      if (vector.canonicalRequest) expect(request).toBe(vector.canonicalRequest);
      const stringToSign = `AWS4-HMAC-SHA256\n${suite.amzDate}\n20150830/${suite.region}/${suite.service}/aws4_request\n${await sha256Hex(request)}`;
      if (vector.stringToSign) expect(stringToSign).toBe(vector.stringToSign);
      const key = await deriveSigningKey(suite.credentials.secretAccessKey, "20150830", suite.region, suite.service);
      expect(toHex(await hmacSha256(key, stringToSign))).toBe(vector.signature);
    });
  }

  // signRequest end to end (it adds host and x-amz-date itself); get-utf8 is left out: its suite path is a raw
  // UTF-8 request line, while a URL always carries the percent-encoded form.
  for (const vector of suite.cases.filter((entry) => entry.name !== "get-utf8")) {
    it(`${vector.name}: signRequest builds the published Authorization header`, async () => {
      const headers = Object.fromEntries(Object.entries(vector.headers).filter(([name]) => !/^(host|x-amz-date)$/i.test(name)));
      const url = `https://example.amazonaws.com${vector.path}${vector.query ? `?${vector.query}` : ""}`;
      const signed = await signRequest({ method: vector.method, url, headers, body: vector.body, credentials: suite.credentials, region: suite.region, service: suite.service, now: NOW });
      expect(signed.headers.authorization).toBe(
        `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=${vector.signedHeaders}, Signature=${vector.signature}`,
      );
      expect(signed.headers["x-amz-date"]).toBe(suite.amzDate);
      expect(signed.headers["x-amz-security-token"]).toBeUndefined();
    });
  }
});

describe("SigV4 rules Bedrock depends on", () => {
  it("URI-encodes the sent path once more (non-S3 services): a model id's %3A is signed as %253A", () => {
    expect(canonicalPath("/model/us.anthropic.claude-3-7-sonnet-20250219-v1%3A0/converse")).toBe("/model/us.anthropic.claude-3-7-sonnet-20250219-v1%253A0/converse");
    expect(canonicalPath("/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ainference-profile%2Fus.x/converse")).toBe("/model/arn%253Aaws%253Abedrock%253Aus-east-1%253A1%253Ainference-profile%252Fus.x/converse");
    expect(canonicalPath("/a/./b/../c//d/")).toBe("/a/c/d/");
  });

  it("sorts the query by name then value and encodes it strictly", () => {
    expect(canonicalQuery("?b=2&a=2&a=1&c=x%20y&d=it's")).toBe("a=1&a=2&b=2&c=x%20y&d=it%27s");
    expect(canonicalQuery("")).toBe("");
  });

  it("signs the session token, the payload hash and content-length when asked; skips unsignable headers", async () => {
    const body = JSON.stringify({ messages: [{ role: "user", content: [{ text: "héllo" }] }] });
    const signed = await signRequest({
      method: "POST",
      url: "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-pro-v1%3A0/converse",
      headers: { "Content-Type": "application/json", "User-Agent": "x", Connection: "keep-alive" },
      body,
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: "session-token-value" },
      region: "us-east-1",
      service: "bedrock",
      now: NOW,
      contentSha256Header: true,
      signContentLength: true,
    });
    expect(signed.signedHeaders).toBe("content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token");
    expect(signed.headers["x-amz-security-token"]).toBe("session-token-value");
    expect(signed.headers["x-amz-content-sha256"]).toBe(await sha256Hex(body));
    // content-length is the UTF-8 byte length (é is two bytes), as the transport sends it.
    expect(signed.canonicalRequest).toContain(`content-length:${new TextEncoder().encode(body).byteLength}\n`);
    expect(signed.canonicalRequest).toContain("host:bedrock-runtime.us-east-1.amazonaws.com\n");
    expect(signed.canonicalRequest.split("\n")[1]).toBe("/model/amazon.nova-pro-v1%253A0/converse");
  });

  it("keeps the derived key per day and credentials", async () => {
    const cache = new SigningKeyCache();
    const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
    const first = await cache.get(credentials, "20150830", "us-east-1", "service");
    expect(await cache.get(credentials, "20150830", "us-east-1", "service")).toBe(first);
    const nextDay = await cache.get(credentials, "20150831", "us-east-1", "service");
    expect(nextDay).not.toBe(first);
    expect(toHex(nextDay)).toBe(toHex(await deriveSigningKey(credentials.secretAccessKey, "20150831", "us-east-1", "service")));
  });
});
