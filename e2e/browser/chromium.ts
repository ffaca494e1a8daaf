// Headless Chromium for browser tests: Debian's package (/usr/bin/chromium, installed by install.sh, which
// `make test` runs) driven by playwright-core. The flags keep Chromium off the network it has no use for
// here (update checks, sync, background fetches), which a closed network would refuse.
import { accessSync, constants } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.TRACKER_CHROMIUM ?? '/usr/bin/chromium';

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A fresh browser (Playwright gives it a new empty profile directory). */
export async function launchChromium(): Promise<Browser> {
  try {
    accessSync(CHROMIUM, constants.X_OK);
  } catch {
    throw new Error(`${CHROMIUM} is missing: run \`make browser\` (apt-get install chromium)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}
