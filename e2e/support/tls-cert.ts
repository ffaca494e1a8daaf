// TEST SUPPORT: a self-signed certificate made at test time with the openssl CLI (never committed), written
// where a TLS Secret volume would put it and readable by any uid (containers run as 1000).
import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';

export function writeSelfSignedCert(dir: string, cn: string): { certFile: string; keyFile: string } {
  const certFile = join(dir, 'tls.crt');
  const keyFile = join(dir, 'tls.key');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${cn}`,
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  chmodSync(keyFile, 0o644);
  return { certFile, keyFile };
}
