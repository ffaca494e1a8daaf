// The webhook signature. Every request carries
//   X-Tracker-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
// The timestamp is signed with the body, so a receiver that checks it against its clock (and refuses
// anything older than a few minutes) cannot be fed a recorded request again. A retry is signed anew
// with the time it is sent. Receivers compare in constant time; `verifySignature` is the reference.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-tracker-signature';

const mac = (secret: string | Buffer, t: number, body: string): string =>
  createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');

export function signature(secret: string | Buffer, body: string, nowMs: number): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${mac(secret, t, body)}`;
}

/** Whether `header` signs `body` with `secret`, sent within ±toleranceS of now. */
export function verifySignature(
  header: string,
  body: string,
  secret: string | Buffer,
  nowMs: number,
  toleranceS = 300,
): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowMs / 1000 - t) > toleranceS || parts.v1 === undefined) return false;
  const want = Buffer.from(mac(secret, t, body), 'hex');
  const got = Buffer.from(parts.v1, 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}
