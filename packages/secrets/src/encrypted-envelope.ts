/**
 * The encrypted secrets file format (`modelmesh-secrets` v1): a JSON envelope
 * `{format, version, kdf: {name: "scrypt", N, r, p, salt}, cipher: "AES-256-GCM", iv, data}` (binary fields
 * base64). The key is scrypt(passphrase, salt) — `node:crypto`, web crypto has no scrypt — and the secrets
 * (`{"secrets": {name: value}}` as JSON) are sealed with AES-256-GCM through web crypto, with the envelope's
 * header as additional data, so a changed byte anywhere fails authentication. Errors name the file, never
 * its content.
 */
import { scrypt as scryptCallback } from "node:crypto";
import { secretFileError } from "./errors.js";

/** scrypt cost parameters. */
export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelism. */
  p: number;
}

/** Defaults for new files: N = 2^15, r = 8, p = 1 (32 MiB, about 0.1 s per derivation). */
export const DEFAULT_SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });

/** The envelope as stored. */
export interface SecretsEnvelope {
  format: "modelmesh-secrets";
  version: 1;
  kdf: { name: "scrypt"; N: number; r: number; p: number; salt: string };
  cipher: "AES-256-GCM";
  iv: string;
  data: string;
}

/** The message of every failed decryption: the two causes cannot be told apart, by design of GCM. */
export const WRONG_PASSPHRASE = "cannot decrypt the secrets: wrong passphrase or damaged file";

const SALT_BYTES = 16;
const IV_BYTES = 12;
/** Bounds accepted when reading a file, so a crafted file cannot make scrypt take gigabytes or minutes. */
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;

/** Checks scrypt parameters (from options or from a file); the message names the bad one. */
export function scryptParamsProblem(params: ScryptParams): string | undefined {
  const { N, r, p } = params;
  if (!Number.isInteger(N) || N < 1024 || N > 2 ** 20 || (N & (N - 1)) !== 0) return "kdf.N must be a power of two from 1024 to 1048576";
  if (!Number.isInteger(r) || r < 1 || r > 32) return "kdf.r must be an integer from 1 to 32";
  if (!Number.isInteger(p) || p < 1 || p > 16) return "kdf.p must be an integer from 1 to 16";
  if (128 * N * r > MAX_SCRYPT_MEMORY) return "kdf.N × kdf.r needs more than 256 MiB of memory";
  return undefined;
}

/** Derives the AES-256-GCM key from the passphrase and salt. */
export async function deriveKey(passphrase: string, salt: Uint8Array<ArrayBuffer>, params: ScryptParams): Promise<CryptoKey> {
  const bytes = await new Promise<Buffer>((resolve, reject) =>
    // maxmem: scrypt needs about 128·N·r bytes; twice that leaves room for its bookkeeping.
    scryptCallback(passphrase.normalize("NFC"), salt, 32, { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r }, (error, key) => (error ? reject(error) : resolve(key))),
  );
  const raw = new Uint8Array(bytes);
  bytes.fill(0);
  try {
    return await globalThis.crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
  } finally {
    raw.fill(0);
  }
}

/** A fresh random salt for a new file. */
export const newSalt = (): Uint8Array<ArrayBuffer> => globalThis.crypto.getRandomValues(new Uint8Array(SALT_BYTES));

const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");

/** The additional authenticated data: the header fields in a fixed order. */
function headerBytes(envelope: Omit<SecretsEnvelope, "data">): Uint8Array<ArrayBuffer> {
  const { format, version, kdf, cipher, iv } = envelope;
  return new Uint8Array(new TextEncoder().encode(JSON.stringify([format, version, kdf.name, kdf.N, kdf.r, kdf.p, kdf.salt, cipher, iv])));
}

/** Seals `secrets` with `key` under a new random IV and returns the envelope's JSON text. */
export async function sealSecrets(secrets: Readonly<Record<string, string>>, key: CryptoKey, kdf: { params: ScryptParams; salt: Uint8Array<ArrayBuffer> }): Promise<string> {
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const header = {
    format: "modelmesh-secrets",
    version: 1,
    kdf: { name: "scrypt", N: kdf.params.N, r: kdf.params.r, p: kdf.params.p, salt: toBase64(kdf.salt) },
    cipher: "AES-256-GCM",
    iv: toBase64(iv),
  } as const;
  const plain = new TextEncoder().encode(JSON.stringify({ secrets }));
  try {
    const sealed = await globalThis.crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: headerBytes(header) }, key, plain);
    return `${JSON.stringify({ ...header, data: toBase64(new Uint8Array(sealed)) }, null, 2)}\n`;
  } finally {
    plain.fill(0);
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function base64Field(value: unknown, field: string, file: string, bytes?: number): Uint8Array<ArrayBuffer> {
  if (typeof value !== "string" || value.length % 4 !== 0 || !BASE64.test(value)) throw damaged(file, `${field} is not base64`);
  const decoded = new Uint8Array(Buffer.from(value, "base64"));
  if (bytes !== undefined && decoded.length !== bytes) throw damaged(file, `${field} must be ${bytes} bytes`);
  return decoded;
}

const damaged = (file: string, what: string) => secretFileError(file, `damaged file: not a modelmesh-secrets v1 envelope (${what})`);

/** Parses and checks an envelope; a structural problem names the field, never a value. */
export function parseEnvelope(text: string, file: string): { envelope: SecretsEnvelope; params: ScryptParams; salt: Uint8Array<ArrayBuffer>; iv: Uint8Array<ArrayBuffer>; data: Uint8Array<ArrayBuffer> } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw damaged(file, "not JSON");
  }
  const env = value as Partial<SecretsEnvelope> | null;
  if (typeof env !== "object" || env === null || env.format !== "modelmesh-secrets") throw damaged(file, "format");
  if (env.version !== 1) throw secretFileError(file, `version ${JSON.stringify(env.version)} of the encrypted secrets format is not supported (this release reads version 1)`);
  if (env.cipher !== "AES-256-GCM") throw damaged(file, "cipher");
  const kdf = env.kdf;
  if (typeof kdf !== "object" || kdf === null || kdf.name !== "scrypt") throw damaged(file, "kdf.name");
  const params = { N: kdf.N, r: kdf.r, p: kdf.p } as ScryptParams;
  const problem = scryptParamsProblem(params);
  if (problem) throw damaged(file, problem);
  return {
    envelope: env as SecretsEnvelope,
    params,
    salt: base64Field(kdf.salt, "kdf.salt", file, SALT_BYTES),
    iv: base64Field(env.iv, "iv", file, IV_BYTES),
    data: base64Field(env.data, "data", file),
  };
}

/** Opens a parsed envelope with `key`; any failure is {@link WRONG_PASSPHRASE}. */
export async function openSecrets(parsed: ReturnType<typeof parseEnvelope>, key: CryptoKey, file: string): Promise<Record<string, string>> {
  let plain: ArrayBuffer;
  try {
    plain = await globalThis.crypto.subtle.decrypt({ name: "AES-GCM", iv: parsed.iv, additionalData: headerBytes(parsed.envelope) }, key, parsed.data);
  } catch {
    throw secretFileError(file, WRONG_PASSPHRASE);
  }
  const bytes = new Uint8Array(plain);
  try {
    const body = JSON.parse(new TextDecoder().decode(bytes)) as { secrets?: unknown };
    const secrets = body.secrets;
    if (typeof secrets !== "object" || secrets === null || Array.isArray(secrets) || !Object.values(secrets).every((v) => typeof v === "string")) throw new Error("shape");
    return { ...(secrets as Record<string, string>) };
  } catch {
    throw damaged(file, "the decrypted content is not a table of strings");
  } finally {
    bytes.fill(0);
  }
}
