// Per-request facts the event model needs: client IP (Fastify's trustProxy already resolved forwarding
// headers, and only for peers in server.trustedProxies: anyone else could forge X-Forwarded-For),
// host, user agent, language and the JA4H fingerprint. Probes never reach this.
import type { FastifyRequest } from 'fastify';
import { ja4h } from '../model/ja4h.ts';
import { requestCookies } from '../model/request-cookies.ts';
import type { SiteRequest } from '../model/site-keys.ts';
import type { RequestContext } from '../model/types.ts';

const header = (req: FastifyRequest, name: string): string => {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? '';
};

export function clientIp(req: FastifyRequest): string {
  const ip = req.ip ?? '';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

export function hostOf(req: FastifyRequest): string {
  try {
    return (req.hostname ?? '').toLowerCase().slice(0, 255);
  } catch {
    return '';
  }
}

/** What a site key is checked against: the X-Site-Key header and the browser's Origin. */
export function siteRequest(req: FastifyRequest): SiteRequest {
  const key = header(req, 'x-site-key');
  const origin = header(req, 'origin');
  const site: { headerKey?: string; origin?: string } = {};
  if (key !== '') site.headerKey = key;
  if (origin !== '') site.origin = origin;
  return site;
}

export function requestContext(req: FastifyRequest, kind: 'client' | 'server', now: number): RequestContext {
  const cookieVid = requestCookies(req).vid;
  const referer = kind === 'client' ? header(req, 'referer').slice(0, 8192) : '';
  // one object per request, built in place (the optional fields only when present)
  const ctx: { -readonly [K in keyof RequestContext]: RequestContext[K] } = {
    kind,
    now,
    ip: clientIp(req),
    host: hostOf(req),
    userAgent: kind === 'client' ? header(req, 'user-agent').slice(0, 1024) : '',
    acceptLanguage: kind === 'client' ? header(req, 'accept-language').slice(0, 256) : '',
    ja4h: ja4h(req.method, req.raw.httpVersion, req.raw.rawHeaders),
  };
  if (cookieVid !== undefined) ctx.cookieVid = cookieVid;
  if (referer !== '') ctx.referer = referer;
  return ctx;
}
