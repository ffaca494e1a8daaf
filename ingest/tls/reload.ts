// TLS hot reload: the cert/key files come from a mounted Secret, which Kubernetes updates by
// swapping a symlink. Watch the directories (fs.watch sees the swap) and poll as a fallback; on change,
// load both files, validate them with createSecureContext, and only then swap the server's context.
// New handshakes get the new certificate; nothing restarts. A bad pair is logged and the old one kept.
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { dirname } from 'node:path';
import { createSecureContext } from 'node:tls';

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
}

export function readTls(files: TlsFiles): TlsMaterial {
  const material = { cert: readFileSync(files.certFile), key: readFileSync(files.keyFile) };
  createSecureContext(material); // throws on a mismatched or malformed pair
  return material;
}

export interface TlsWatcher {
  stop(): void;
}

export function watchTls(
  files: TlsFiles,
  apply: (m: TlsMaterial) => void,
  onError: (err: unknown) => void,
  pollMs = 5000,
): TlsWatcher {
  let last = '';
  const fingerprint = (m: TlsMaterial) => `${m.cert.toString('base64')}|${m.key.toString('base64')}`;
  try {
    last = fingerprint(readTls(files));
  } catch {
    // the initial load is the server's job; the watcher only reacts to changes
  }
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    clearTimeout(timer);
    // debounce: a Secret update writes cert and key in quick succession
    timer = setTimeout(() => {
      try {
        const m = readTls(files);
        const fp = fingerprint(m);
        if (fp === last) return;
        last = fp;
        apply(m);
      } catch (err) {
        onError(err);
      }
    }, 100);
  };
  const dirs = [...new Set([dirname(files.certFile), dirname(files.keyFile)])];
  const watchers: FSWatcher[] = dirs.map((d) => watch(d, check));
  const poll = setInterval(check, pollMs);
  poll.unref();
  return {
    stop() {
      clearInterval(poll);
      clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
