// The browser client's script-tag build at /tr/v1/client.js (and its ES module at /tr/v1/client.mjs),
// so a site needs one line and no copy of the file: `<script defer src="https://t.example.com/tr/v1/client.js">`.
// The files are client/dist's, built by `make client` (`make run` builds them first; the image builds them
// too). The URL carries no version, so caches keep it an hour and revalidate by ETag.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { IngestError } from '../../errors.ts';
import type { RouteApp } from '../shared.ts';

export const CLIENT_DIST = fileURLToPath(new URL('../../../client/dist/', import.meta.url));

interface Bundle {
  readonly body: Buffer;
  readonly etag: string;
}

function load(dir: string, file: string): Bundle | undefined {
  try {
    const body = readFileSync(`${dir}${file}`);
    return { body, etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"` };
  } catch {
    return undefined;
  }
}

export function clientRoutes(app: RouteApp, dist: string = CLIENT_DIST): void {
  const files = { 'client.js': 'tracker.js', 'client.mjs': 'tracker.mjs' } as const;
  for (const [route, file] of Object.entries(files)) {
    const bundle = load(dist, file);
    if (bundle === undefined) app.log.warn(`browser client not built (${dist}${file}): run make client`);
    app.get(`/tr/v1/${route}`, async (req, reply) => {
      if (bundle === undefined) {
        throw new IngestError('NOT_FOUND', 'the browser client is not built on this server (make client)');
      }
      reply
        .header('cache-control', 'public, max-age=3600')
        .header('etag', bundle.etag)
        .header('access-control-allow-origin', '*')
        .header('cross-origin-resource-policy', 'cross-origin');
      if (req.headers['if-none-match'] === bundle.etag) return reply.status(304).send();
      return reply.type('text/javascript; charset=utf-8').send(bundle.body);
    });
  }
}
