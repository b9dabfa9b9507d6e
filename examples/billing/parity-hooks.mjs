// Request hooks for the billing pair's specs (parity.yaml: `hooks: <path to this file>`).
// The payment provider signs each webhook over its exact body bytes with a timestamp, so
// no fixed header in a spec can be valid: the hook signs each request as it is sent.
import crypto from 'node:crypto';

const STALE_SECONDS = 600;

function sign(secret, t, body) {
  const hmac = crypto.createHmac('sha256', secret).update(`${t}.`);
  if (body) hmac.update(body);
  return `t=${t},v1=${hmac.digest('hex')}`;
}

/** {{provider_signature}}: signed now; {{provider_signature_stale}}: signed 10 minutes ago (outside the 300 s tolerance). */
export function requestVariables({ body }) {
  const secret = process.env.BILLING_WEBHOOK_SECRET ?? 'whsec_parity_demo';
  const now = Math.floor(Date.now() / 1000);
  return {
    provider_signature: sign(secret, now, body),
    provider_signature_stale: sign(secret, now - STALE_SECONDS, body),
  };
}
