// The types of @fastify/cookie as the ingest uses it; tsconfig.json maps the package's name here. The
// package's own declarations add `setCookie`, `cookie`, `clearCookie`, `signCookie` and `unsignCookie` to
// every request and reply of every app, but the plugin is registered in a context that holds no route
// (plugins/cookies.ts): on the app's requests and replies those decorators do not exist, and a route
// calling one would type-check and fail at run time. Only what the code uses is declared, with the
// package's signatures: the plugin itself, its parser and serialiser, and the request's parsed cookies.
import type { FastifyPluginAsync } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** `null` until model/request-cookies.ts parses the Cookie header (plugins/cookies.ts decorates it). */
    cookies: { [cookieName: string]: string | undefined } | null;
  }
}

export interface SerializeOptions {
  domain?: string;
  encode?(val: string): string;
  expires?: Date;
  httpOnly?: boolean;
  maxAge?: number;
  partitioned?: boolean;
  path?: string;
  sameSite?: 'lax' | 'none' | 'strict' | boolean;
  priority?: 'low' | 'medium' | 'high';
  secure?: boolean;
}

export interface ParseOptions {
  decode?: (encodedURIComponent: string) => string;
}

/** Of the plugin's options, the one the ingest passes: `hook: false` (no hook of its own per request). */
export interface FastifyCookieOptions {
  hook?: 'onRequest' | 'preParsing' | 'preValidation' | 'preHandler' | 'preSerialization' | false;
}

export interface FastifyCookie extends FastifyPluginAsync<FastifyCookieOptions> {
  parse: (cookieHeader: string, opts?: ParseOptions) => { [key: string]: string };
  serialize: (name: string, value: string, opts?: SerializeOptions) => string;
}

export declare const fastifyCookie: FastifyCookie;
export default fastifyCookie;
