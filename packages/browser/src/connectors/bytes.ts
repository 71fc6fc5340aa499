/** Base64 for bytes kept in string-only storage (`localStorage`), on web standards only (`btoa`/`atob`, no Buffer). */

/** Bytes per `String.fromCharCode` call: well under every engine's argument limit. */
const CHUNK = 0x8000;

/** Standard base64 (with padding) of `data`. */
export function bytesToBase64(data: Uint8Array): string {
  let binary = "";
  for (let offset = 0; offset < data.length; offset += CHUNK) {
    binary += String.fromCharCode(...data.subarray(offset, offset + CHUNK));
  }
  return btoa(binary);
}

/** Inverse of {@link bytesToBase64}; throws (`InvalidCharacterError`) on text that is not base64. */
export function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
