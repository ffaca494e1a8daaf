// What the erasure tests do over HTTP against a running ingest (in process or its own process): record a
// visitor, ask for its erasure, read the request's status.
import { expect } from 'vitest';
import { setCookies } from './live.ts';

export const post = (url: string, body: unknown, cookie?: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie === undefined ? {} : { cookie }) },
    body: JSON.stringify(body),
  });

export const statusOf = async (base: string, id: string) =>
  ((await (await fetch(`${base}/tr/v1/ppi/forget/${id}`)).json()) as { status: string }).status;

/** A visitor with one page view: its vid and visitor token. */
export async function visitor(base: string): Promise<{ vid: string; vtok: string }> {
  const res = await post(`${base}/tr/v1/tr/`, { ename: 'page_view' }, 'CookieConsent=3');
  expect(res.status).toBe(200);
  const { vid = '', vtok = '' } = setCookies(res);
  expect(vid).toMatch(/^[0-9a-f-]{36}$/);
  return { vid, vtok };
}

/** Asks, with the visitor's own token, for the erasure of its vid: the request's id (answered 202). */
export async function forgetVisitor(base: string, v: { vid: string; vtok: string }): Promise<string> {
  const res = await post(`${base}/tr/v1/ppi/forget`, { vid: v.vid }, `vid=${v.vid}; vtok=${v.vtok}`);
  expect(res.status).toBe(202);
  return ((await res.json()) as { request_id: string }).request_id;
}
