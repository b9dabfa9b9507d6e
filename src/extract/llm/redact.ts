/**
 * What must never leave the machine. Files that hold secrets by their nature (.env, keys,
 * credentials) are never sent whatever code lives in them; in what is sent, anything that looks
 * like a key or token is masked first. Masking keeps a recognisable prefix ("sk_live_…[masked]")
 * so the model can still say "a live Stripe key is hard-coded here", which is worth a question.
 */
import path from 'node:path';

export const MASK = '…[masked]';

const SECRET_FILES: readonly RegExp[] = [
  /^\.env$/i,
  /^\.env\..+$/i,
  /\.(pem|key|p12|pfx|jks|keystore|asc|gpg)$/i,
  /^id_(rsa|dsa|ecdsa|ed25519)/i,
  /^credentials/i,
  /secret/i,
  /^\.npmrc$|^\.netrc$|^\.pgpass$/i,
];

/** True for a file whose content is never sent, by its name alone. */
export function isSecretFile(file: string): boolean {
  const base = path.posix.basename(file.split('\\').join('/'));
  return SECRET_FILES.some((re) => re.test(base));
}

/** Known token shapes, masked wherever they appear (code, comments, strings); the prefix kept is group 1. */
const TOKEN_PATTERNS: readonly RegExp[] = [
  // Stripe-style and Anthropic/OpenAI-style keys: sk_live_..., rk_test_..., sk-ant-..., pk_live_...
  /\b((?:sk|rk|pk)_(?:live|test)_)[A-Za-z0-9]{8,}/g,
  /\b(sk-(?:ant-)?(?:[a-z0-9]+-)?)[A-Za-z0-9_-]{16,}/g,
  // AWS access key ids.
  /\b((?:AKIA|ASIA))[0-9A-Z]{16}\b/g,
  // GitHub tokens.
  /\b((?:ghp|gho|ghu|ghs|ghr)_)[A-Za-z0-9]{20,}/g,
  /\b(github_pat_)[A-Za-z0-9_]{20,}/g,
  // Slack tokens.
  /\b(xox[abprs]-)[A-Za-z0-9-]{10,}/g,
  // JWTs: three base64url parts, the first two JSON objects.
  /\b(eyJ)[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g,
  // Bearer credentials written out.
  /\b(Bearer\s+)[A-Za-z0-9\-._~+/]{8,}=*/g,
];

const PRIVATE_KEY_BLOCK = /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;

/** A quoted string literal on one line: '...', "..." or `...` (no interpolation across lines). */
const STRING_LITERAL = /(["'`])((?:\\.|(?!\1)[^\\\n])*)\1/g;

export interface Masked {
  text: string;
  /** How many secrets were masked. */
  masked: number;
}

/**
 * Masks secrets in source text, keeping its line count (a private key block keeps its lines,
 * emptied) so that line numbers cited in what is sent stay the file's own.
 */
export function maskSecrets(text: string): Masked {
  let masked = 0;
  let out = text.replace(PRIVATE_KEY_BLOCK, (block: string, kind: string) => {
    masked++;
    const lines = block.split('\n').length;
    return `-----BEGIN ${kind}PRIVATE KEY-----${MASK}${'\n'.repeat(lines - 1)}`;
  });
  for (const pattern of TOKEN_PATTERNS) {
    out = out.replace(pattern, (_match: string, prefix: string) => {
      masked++;
      return `${prefix}${MASK}`;
    });
  }
  out = out.replace(STRING_LITERAL, (literal: string, quote: string, body: string) => {
    if (!looksLikeSecret(body)) return literal;
    masked++;
    return `${quote}${MASK}${quote}`;
  });
  return { text: out, masked };
}

/**
 * A long, high-entropy string without spaces: an API key, a token, a password hash. Mixed letters
 * and digits and at least 3.5 bits of entropy per character keep most identifiers, paths and
 * prose out; masking too much costs a little context, too little a leaked key.
 */
export function looksLikeSecret(value: string): boolean {
  if (value.includes(MASK)) return false;
  if (value.length < 20 || !/^[A-Za-z0-9+/=_\-.]+$/.test(value)) return false;
  if (!/[A-Za-z]/.test(value) || !/[0-9]/.test(value)) return false;
  return shannonEntropy(value) >= 3.5;
}

function shannonEntropy(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}
