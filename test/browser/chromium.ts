/**
 * Chromium for the browser tests and the browser benchmark: the system's build (Debian's `chromium`
 * package), driven by playwright-core, which downloads no browser of its own. Headless; --no-sandbox
 * because CI runs as root, where Chromium's sandbox refuses to start.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Where Chromium is: $CHROMIUM_PATH, else the first of the usual system paths that exists. */
export function chromiumPath(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  return candidates.find((p): p is string => p !== undefined && p !== '' && existsSync(p));
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (executablePath === undefined) {
    throw new Error('no Chromium found: install it (apt-get install chromium) or set CHROMIUM_PATH');
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}
