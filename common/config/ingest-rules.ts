// Rules of the ingest configuration that its schema cannot express, on which the ingest refuses to start:
// `cors.origins: ["*"]` with credentials, a trusted proxy that is not an IP or CIDR, an analytics bit that
// is not a consent bit, a bot pattern that is not a regular expression, a site key used twice. The ingest
// checks them when it loads its configuration; the operator and `tracker render` check spec.ingest.config
// with the same functions, so a mistake is SpecInvalid instead of a rollout whose pods never start.
// Every section is optional here (the CRD's sections are); an absent one holds the ingest's defaults,
// which pass.
import { isIP } from 'node:net';

export type RuledConfig = {
  readonly cors?: { readonly origins?: readonly string[]; readonly credentials?: boolean };
  readonly server?: { readonly trustedProxies?: readonly string[] };
  readonly privacy?: {
    readonly analyticsBit?: string;
    readonly consentBits?: Readonly<Record<string, number>>;
  };
  readonly userAgent?: { readonly extraBotPatterns?: readonly string[] };
  readonly sites?: { readonly keys?: readonly { readonly key: string }[] };
};

/** Every rule's problems, each line starting with `prefix` and the key it names. */
export function ingestRuleProblems(c: RuledConfig, prefix = ''): string[] {
  return [
    ...corsProblems(c),
    ...proxyProblems(c),
    ...analyticsBitProblems(c),
    ...botPatternProblems(c),
    ...siteKeyProblems(c),
  ].map((p) => `${prefix}${p}`);
}

export function corsProblems(c: RuledConfig): string[] {
  if (!c.cors?.credentials || !c.cors.origins?.includes('*')) return [];
  return [
    'cors.origins: "*" cannot be combined with cors.credentials (browsers reject it); list the origins',
  ];
}

export function proxyProblems(c: RuledConfig): string[] {
  return [...(c.server?.trustedProxies ?? []).entries()]
    .filter(([, cidr]) => !validCidr(cidr))
    .map(([i, cidr]) => `server.trustedProxies.${i}: "${cidr}" is not an IP or CIDR`);
}

export function analyticsBitProblems(c: RuledConfig): string[] {
  const { analyticsBit, consentBits } = c.privacy ?? {};
  if (analyticsBit === undefined || consentBits === undefined || analyticsBit in consentBits) return [];
  return [`privacy.analyticsBit: "${analyticsBit}" is not a key of privacy.consentBits`];
}

export function botPatternProblems(c: RuledConfig): string[] {
  const out: string[] = [];
  for (const [i, pattern] of (c.userAgent?.extraBotPatterns ?? []).entries()) {
    try {
      new RegExp(pattern, 'i');
    } catch {
      out.push(`userAgent.extraBotPatterns.${i}: not a valid regular expression`);
    }
  }
  return out;
}

/** Site keys that are unique (the schema cannot say it). */
export function siteKeyProblems(c: RuledConfig): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const [i, site] of (c.sites?.keys ?? []).entries()) {
    if (seen.has(site.key)) out.push(`sites.keys.${i}.key: used by an earlier entry`);
    seen.add(site.key);
  }
  return out;
}

export function validCidr(s: string): boolean {
  const [addr, bits, ...rest] = s.split('/');
  if (rest.length > 0 || addr === undefined) return false;
  const v = isIP(addr);
  if (v === 0) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d+$/.test(bits) && n >= 0 && n <= (v === 4 ? 32 : 128);
}
