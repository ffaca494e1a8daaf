// How the doubles of the CLUSTER STAND-IN (cluster.ts) talk to each other: a statement handed to another
// double's /_double/cluster/ route, as the distributed DDL queue or replication would carry it. An error
// there comes back as that host's error, as ClickHouse reports a failure on another host.
import type { ParsedRequest } from './protocol.ts';

/** Hands a request to another double's stand-in route; its error comes back as that host's error. */
export async function onHost(
  url: string,
  route: 'local' | 'replicate',
  request: ParsedRequest,
): Promise<void> {
  const res = await fetch(`${url}/_double/cluster/${route}`, {
    method: 'POST',
    body: JSON.stringify({ ...request, body: request.body.toString('base64') }),
  });
  if (res.ok) return;
  const code = Number(res.headers.get('X-ClickHouse-Exception-Code') ?? 1002);
  const text = (await res.text())
    .replace(/^Code: \d+\. DB::Exception: /, '')
    .replace(/ \(version [^)]*\)\s*$/, '');
  throw Object.assign(new Error(`There was an error on [${url}]: ${text}`), { clickhouseCode: code });
}

/** A request handed over by `onHost`. */
export function handedOver(body: Buffer): ParsedRequest {
  const r = JSON.parse(body.toString('utf8')) as Omit<ParsedRequest, 'body'> & { body: string };
  return { ...r, body: Buffer.from(r.body, 'base64') };
}
