// A small web site for browser tests, on its own origin (a different port from the ingest, as a real site
// is): the test's router decides the page for each path (a single-page app's server answers every deep
// link with the app); anything else is a 404.
import { createServer, type Server } from 'node:http';

export interface Page {
  readonly type: string;
  readonly body: string | Buffer;
}

export interface Site {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Serves what `route` answers for each path (asked per request, so a test may change it). */
export async function serveSite(route: (path: string) => Page | undefined): Promise<Site> {
  const server: Server = createServer((req, res) => {
    const page = route(new URL(req.url ?? '/', 'http://site').pathname);
    if (page === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': page.type, 'cache-control': 'no-store' }).end(page.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
