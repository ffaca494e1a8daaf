// Minimal HTTPS client for the test apiserver (its own CA, a bearer token); no client library needed
// for the handful of calls the harness makes itself.
import { request } from 'node:https';

export interface HttpsResult {
  readonly status: number;
  readonly body: string;
}

export interface HttpsCall {
  readonly ca: string;
  readonly token?: string;
  readonly method?: string;
  readonly json?: unknown;
}

export function httpsCall(url: string, call: HttpsCall): Promise<HttpsResult> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = call.token ? { authorization: `Bearer ${call.token}` } : {};
    const body = call.json === undefined ? undefined : JSON.stringify(call.json);
    if (body) headers['content-type'] = 'application/json';
    const req = request(
      url,
      { ca: call.ca, headers, method: call.method ?? 'GET', timeout: 10_000 },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${call.method ?? 'GET'} ${url}: timeout`)));
    req.on('error', reject);
    req.end(body);
  });
}

export function httpsGet(url: string, ca: string, token?: string): Promise<HttpsResult> {
  return httpsCall(url, token === undefined ? { ca } : { ca, token });
}
