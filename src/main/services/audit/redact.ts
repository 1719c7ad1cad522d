// Makes call parameters safe to store in the audit log: secrets are replaced by a marker, long
// strings are cut, and the result is bounded JSON.

const SECRET_KEY =
  /pass(word|phrase|wd)?|pwd|secret|token|bearer|private|credential|api[-_]?key|^key$|cookie|auth(orization)?$|^otp$|^pin$/i;
export const REDACTED = '[redacted]';
const MAX_STRING = 256;
const MAX_DEPTH = 6;
const MAX_JSON = 4096;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

function walk(value: unknown, depth: number): unknown {
  if (typeof value === 'string') {
    return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…(${value.length} chars)` : value;
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[…]';
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => walk(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretKey(k) ? REDACTED : walk(v, depth + 1);
  }
  return out;
}

/** JSON of `params` with every secret-named field redacted, at most ~4 KB. */
export function redactParams(params: unknown): string {
  let json: string;
  try {
    json = JSON.stringify(walk(params ?? {}, 0)) ?? '{}';
  } catch {
    json = '"[unserialisable]"';
  }
  return json.length > MAX_JSON ? JSON.stringify({ truncated: json.slice(0, MAX_JSON) }) : json;
}
