// Everything the client keeps in the browser, behind one gate: with analytics consent it uses
// localStorage; without it nothing is written and everything the client wrote before is deleted. The
// consent decision itself is a strictly necessary cookie (`CookieConsent`, as the ingest reads it), so a
// visitor who refused is not asked again on every page.

export const PREFIX = '_trk_';
const CONSENT_COOKIE = 'CookieConsent';
const YEAR_S = 365 * 86_400;

export interface Storage {
  /** Whether identifiers and queues may be persisted now. */
  allowed: boolean;
  get(key: string): string | null;
  set(key: string, value: string): void;
  remove(key: string): void;
  /** Keys this client wrote (without the prefix). */
  keys(): string[];
  /** Deletes every key this client wrote. */
  clear(): void;
}

function local(): globalThis.Storage | undefined {
  try {
    const s = window.localStorage;
    s.setItem(`${PREFIX}probe`, '1');
    s.removeItem(`${PREFIX}probe`);
    return s;
  } catch {
    // disabled storage, private modes with a zero quota, sandboxed frames: run without persistence
    return undefined;
  }
}

export function createStorage(): Storage {
  const ls = local();
  const s: Storage = {
    allowed: false,
    get: (k) => (s.allowed && ls ? ls.getItem(PREFIX + k) : null),
    set(k, v) {
      if (!s.allowed || !ls) return;
      try {
        ls.setItem(PREFIX + k, v);
      } catch {
        // quota exceeded: the in-memory copy still works for this page
      }
    },
    remove: (k) => ls?.removeItem(PREFIX + k),
    keys() {
      const out: string[] = [];
      for (let i = 0; ls && i < ls.length; i++) {
        const k = ls.key(i);
        if (k?.startsWith(PREFIX)) out.push(k.slice(PREFIX.length));
      }
      return out;
    },
    clear: () => {
      for (const k of s.keys()) s.remove(k);
    },
  };
  return s;
}

export function readConsentCookie(): number | undefined {
  const m = /(?:^|;\s*)CookieConsent=(\d{1,15})(?:;|$)/.exec(document.cookie);
  return m ? Number(m[1]) : undefined;
}

export function writeConsentCookie(flags: number): void {
  const secure = location.protocol === 'https:' ? '; Secure' : '';
  // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is missing from Firefox and older Safari
  document.cookie = `${CONSENT_COOKIE}=${flags}; Path=/; Max-Age=${YEAR_S}; SameSite=Lax${secure}`;
}
