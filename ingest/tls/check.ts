// The TLS certificate and key as the start reads them: a file missing or unreadable, a file that is not
// what its key says, and a pair that does not belong together each stop the start with a TLS_FILE_* code
// naming the key and the path. The one check of the pair (createSecureContext) said only "PEM
// routines::no start line", not which of the two files it meant.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import {
  type CodedFileKey,
  type FileProblem,
  fileRefusal,
  fileStartupError,
  invalidFile,
} from '../config-files.ts';
import type { TlsFiles, TlsMaterial } from './reload.ts';

/** Both files read and checked, or the start-up error of the first that is wrong. */
export function openTlsFiles(files: TlsFiles): TlsMaterial {
  const material = {
    cert: readOne('server.tls.certFile', files.certFile),
    key: readOne('server.tls.keyFile', files.keyFile),
  };
  const wrong = unusable(files, material);
  if (wrong !== undefined) throw fileStartupError(wrong.problem, wrong.cause);
  return material;
}

function readOne(key: CodedFileKey, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const refused = fileRefusal(key, path, err);
    throw refused === undefined ? err : fileStartupError(refused, err);
  }
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Which file is not what it should be, in the order a person would look: the certificate, its key, both. */
function unusable(files: TlsFiles, m: TlsMaterial): { problem: FileProblem; cause: unknown } | undefined {
  const checks: [() => unknown, () => FileProblem][] = [
    [
      () => new X509Certificate(m.cert),
      () => invalidFile('server.tls.certFile', files.certFile, 'not a PEM certificate'),
    ],
    [
      () => createPrivateKey(m.key),
      () => invalidFile('server.tls.keyFile', files.keyFile, 'not an unencrypted PEM private key'),
    ],
  ];
  for (const [check, problem] of checks) {
    try {
      check();
    } catch (err) {
      return { problem: problem(), cause: err };
    }
  }
  try {
    createSecureContext(m);
    return undefined;
  } catch (err) {
    const what = `not the private key of server.tls.certFile ${files.certFile} (${messageOf(err)})`;
    return { problem: invalidFile('server.tls.keyFile', files.keyFile, what), cause: err };
  }
}
