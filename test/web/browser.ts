import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.CWS_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

/**
 * Whether the browser tests run here. In CI Chromium must be there (CI installs it), so a
 * missing one fails loudly; on a developer's machine with only Node and npm they are
 * skipped, and the reason is printed.
 */
export const BROWSER_AVAILABLE = existsSync(CHROMIUM) || process.env.CI === 'true';
if (!BROWSER_AVAILABLE) {
  console.warn(`skipping browser tests: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CWS_CHROMIUM)`);
}

/** Debian's Chromium, headless. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `browser tests need Chromium at ${CHROMIUM}: run "apt-get update && apt-get install -y chromium" ` +
        '(never "npx playwright install"), or set CWS_CHROMIUM to another Chromium binary',
    );
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
