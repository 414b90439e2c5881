import { type Browser, chromium } from 'playwright-core';

/**
 * Debian's Chromium, headless, with the flags this machine's closed network needs (no background connections,
 * no QUIC), shared by the browser tests.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}
