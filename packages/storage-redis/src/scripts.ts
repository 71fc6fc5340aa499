/**
 * The Lua scripts behind every write. Each runs atomically on the server: it reads, writes the `{d, v}` hash
 * (JSON value, version from the store-wide counter), sets or keeps the absolute expiry, and publishes the
 * change on the store's channel in the same step, so no write can escape the change feed.
 *
 * Change messages: `<JSON-encoded user key>` for a removal, `<JSON-encoded user key>\n<JSON value>` for a
 * write. JSON escapes newlines in the key, so the first `\n` is always the separator.
 *
 * Expiry arguments: `""` removes any expiry, `"keep"` keeps the current one (increment without `expireAt`),
 * digits are an absolute epoch-ms instant for PEXPIREAT (a past instant deletes the key at once, and the
 * removal is what gets published).
 */
import { createHash } from "node:crypto";

/** A script and its SHA1, for EVALSHA with a fallback to EVAL on NOSCRIPT. */
export interface LuaScript {
  readonly source: string;
  readonly sha1: string;
}

function script(body: string): LuaScript {
  const source = `${PRELUDE}\n${body}`;
  return { source, sha1: createHash("sha1").update(source).digest("hex") };
}

/** The error a script raises when a counter does not hold a number (followed by the 1-based key index). */
export const NOT_A_NUMBER = "MM_NOT_A_NUMBER";

const PRELUDE = `
local function write(key, counter, json, expire, header, channel)
  local v = redis.call('INCR', counter)
  redis.call('HSET', key, 'd', json, 'v', v)
  if expire == '' then
    redis.call('PERSIST', key)
  elseif expire ~= 'keep' then
    redis.call('PEXPIREAT', key, expire)
    if redis.call('EXISTS', key) == 0 then
      redis.call('PUBLISH', channel, header)
      return
    end
  end
  redis.call('PUBLISH', channel, header .. '\\n' .. json)
end
local function num(key)
  local d = redis.call('HGET', key, 'd')
  if not d then return 0 end
  return tonumber(d)
end
local function fmt(n)
  for _, p in ipairs({15, 16, 17}) do
    local s = string.format('%.' .. p .. 'g', n)
    if tonumber(s) == n then return s end
  end
  return string.format('%.17g', n)
end`;

/** KEYS: key, counter. ARGV: json, expire, header, channel. */
export const SET = script(`write(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
return 1`);

/** KEYS: key, counter. ARGV: expected version, json, expire, header, channel. Returns 1 when written. */
export const COMPARE_AND_SET = script(`local current = redis.call('HGET', KEYS[1], 'v')
if tonumber(current or '0') ~= tonumber(ARGV[1]) then return 0 end
write(KEYS[1], KEYS[2], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
return 1`);

/** KEYS: key, counter. ARGV: json, expireAt, header, channel. Returns 1 when written. */
export const SET_IF_ABSENT = script(`if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
write(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
return 1`);

/** KEYS: key, counter. ARGV: by, expire, header, channel. Returns the new value as a JSON number. */
export const INCREMENT = script(`local n = num(KEYS[1])
if n == nil then return redis.error_reply('${NOT_A_NUMBER} 1') end
local s = fmt(n + tonumber(ARGV[1]))
write(KEYS[1], KEYS[2], s, ARGV[2], ARGV[3], ARGV[4])
return s`);

/**
 * KEYS: k1..kn, counter. ARGV: channel, then (by, expire, header) per key. All keys are checked before any is
 * written, so a batch with a non-number writes nothing. Returns the new values as JSON numbers.
 */
export const INCREMENT_MANY = script(`local n = #KEYS - 1
local counter = KEYS[#KEYS]
for i = 1, n do
  if num(KEYS[i]) == nil then return redis.error_reply('${NOT_A_NUMBER} ' .. i) end
end
local out = {}
for i = 1, n do
  local base = 1 + (i - 1) * 3
  local s = fmt(num(KEYS[i]) + tonumber(ARGV[base + 1]))
  write(KEYS[i], counter, s, ARGV[base + 2], ARGV[base + 3], ARGV[1])
  out[i] = s
end
return out`);

/** KEYS: key. ARGV: header, channel. Returns 1 when a live entry was removed. */
export const DELETE = script(`if redis.call('DEL', KEYS[1]) == 0 then return 0 end
redis.call('PUBLISH', ARGV[2], ARGV[1])
return 1`);

/** KEYS: k1..kn. ARGV: channel, then one header per key. Returns the number removed. */
export const DELETE_MANY = script(`local removed = 0
for i = 1, #KEYS do
  if redis.call('DEL', KEYS[i]) == 1 then
    removed = removed + 1
    redis.call('PUBLISH', ARGV[1], ARGV[i + 1])
  end
end
return removed`);

/** KEYS: k1..kn. Returns each value's JSON, or nil. One consistent instant for the whole batch. */
export const GET_MANY = script(`local out = {}
for i = 1, #KEYS do out[i] = redis.call('HGET', KEYS[i], 'd') or false end
return out`);

/** KEYS: k1..kn. Returns {json or nil, PEXPIRETIME} per key (-1: no expiry, -2: gone). */
export const EXPORT = script(`local out = {}
for i = 1, #KEYS do
  out[i] = { redis.call('HGET', KEYS[i], 'd') or false, redis.call('PEXPIRETIME', KEYS[i]) }
end
return out`);

/**
 * KEYS: k1..kn, counter. ARGV: channel, then (json, expireAt or "", header) per key. Entries whose expiry has
 * passed by the server's clock are skipped (an existing key is then left as it is). Returns the number written.
 */
export const IMPORT = script(`local n = #KEYS - 1
local counter = KEYS[#KEYS]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local written = 0
for i = 1, n do
  local base = 1 + (i - 1) * 3
  local e = ARGV[base + 2]
  if e == '' or tonumber(e) > now then
    write(KEYS[i], counter, ARGV[base + 1], e, ARGV[base + 3], ARGV[1])
    written = written + 1
  end
end
return written`);

/** KEYS: lock key. ARGV: token. Deletes the lock only if the token still holds it. */
export const RELEASE_LOCK = script(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`);

/** KEYS: blob key. ARGV: data, modification time, metadata JSON or "". Replaces the blob in one step. */
export const SAVE_BLOB = script(`redis.call('DEL', KEYS[1])
if ARGV[3] == '' then
  redis.call('HSET', KEYS[1], 'data', ARGV[1], 'mtime', ARGV[2])
else
  redis.call('HSET', KEYS[1], 'data', ARGV[1], 'mtime', ARGV[2], 'meta', ARGV[3])
end
return 1`);
