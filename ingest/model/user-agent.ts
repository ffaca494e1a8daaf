// User-agent parsing into analytics columns with maintained libraries: bowser for browser, OS and device
// type, isbot's maintained list (plus configured patterns) for the bot flag. Bots are flagged, never
// dropped: dropping would be silent loss, and the flag lets every query choose. User agents repeat
// heavily, so parses are cached.
import Bowser from 'bowser';
import { createIsbotFromList, list } from 'isbot';
import { LRUCache } from 'lru-cache';
import { LRU_CALL } from '../lru.ts';

export interface ParsedUserAgent {
  readonly browser: string;
  readonly browser_version: string;
  readonly os: string;
  readonly os_version: string;
  /** desktop, mobile, tablet, tv, bot (bowser's platform types), or '' when unknown. */
  readonly device: string;
  readonly bot: boolean;
}

export interface UserAgentOptions {
  readonly parse: boolean;
  readonly bots: 'flag' | 'off';
  readonly extraBotPatterns: readonly string[];
}

export type UserAgentParser = (ua: string) => ParsedUserAgent | undefined;

export function createUserAgentParser(opts: UserAgentOptions): UserAgentParser {
  const isBot = createIsbotFromList([...list, ...opts.extraBotPatterns]);
  const cache = new LRUCache<string, ParsedUserAgent>({ max: 5000 });
  const parse = (ua: string): ParsedUserAgent => {
    const r = Bowser.parse(ua);
    const bot = opts.bots === 'flag' && (isBot(ua) || r.platform.type === 'bot');
    const fields = {
      browser: r.browser.name ?? '',
      browser_version: r.browser.version ?? '',
      os: r.os.name ?? '',
      os_version: r.os.version ?? '',
      device: r.platform.type ?? '',
    };
    return opts.parse ? { ...fields, bot } : { ...blank, bot };
  };
  return (ua) => {
    if (ua === '' || (!opts.parse && opts.bots === 'off')) return undefined;
    let hit = cache.get(ua, LRU_CALL);
    if (hit === undefined) {
      hit = parse(ua);
      cache.set(ua, hit, LRU_CALL);
    }
    return hit;
  };
}

const blank = { browser: '', browser_version: '', os: '', os_version: '', device: '' };
