// What the page tells about an event: where it happened and the visitor's display and locale. Campaign
// parameters are read from the page URL (utm_source → source, …) because the ingest strips the utm_
// prefix only from its own query string, not from event bodies.

const UTM = ['source', 'medium', 'campaign', 'content', 'term'] as const;
const CLICK_IDS = ['gclid', 'fbclid', 'msclkid'] as const;

export function pageContext(): Record<string, string | number> {
  const ctx: Record<string, string | number> = {
    url: location.href,
    vp_w: window.innerWidth,
    vp_h: window.innerHeight,
    culture: navigator.language,
  };
  try {
    ctx.tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    // very old engines without Intl time zones: the ingest falls back to GeoIP
  }
  const q = new URLSearchParams(location.search);
  for (const k of UTM) {
    const v = q.get(`utm_${k}`);
    if (v) ctx[k] = v;
  }
  for (const k of CLICK_IDS) {
    const v = q.get(k);
    if (v) ctx[k] = v;
  }
  return ctx;
}

/** At most `max` characters, never cutting a surrogate pair in half (a lone surrogate is not valid JSON
 * text for the store). */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  const cut = s.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

/** Do-Not-Track or Global Privacy Control is set. */
export function privacySignal(): boolean {
  const n = navigator as Navigator & { globalPrivacyControl?: boolean; msDoNotTrack?: string };
  const w = window as Window & { doNotTrack?: string };
  return n.globalPrivacyControl === true || [n.doNotTrack, w.doNotTrack, n.msDoNotTrack].includes('1');
}
