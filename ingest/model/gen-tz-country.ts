// Regenerates tz-country.gen.ts from the system's IANA zone.tab (zone → country code). Run by hand when
// the tz database changes; the output is committed so the ingest has no runtime dependency on /usr/share.
import { readFileSync, writeFileSync } from 'node:fs';

const rows = readFileSync('/usr/share/zoneinfo/zone.tab', 'utf8')
  .split('\n')
  .filter((l) => l !== '' && !l.startsWith('#'))
  .map((l) => l.split('\t'))
  .map(([cc, , tz]) => `  "${(tz ?? '').toLowerCase()}": "${cc ?? ''}",`)
  .sort();
const out = [
  '// Generated from /usr/share/zoneinfo/zone.tab (IANA tz database): time zone → ISO 3166 alpha-2.',
  '// Regenerate with: node ingest/model/gen-tz-country.ts. Do not edit by hand.',
  'export const TZ_COUNTRY: Readonly<Record<string, string>> = {',
  ...rows,
  '  "utc": "",',
  '};',
  '',
];
writeFileSync(new URL('./tz-country.gen.ts', import.meta.url), out.join('\n'));
