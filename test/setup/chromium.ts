import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/**
 * Debian's Chromium, driven by playwright-core (no browser download): `.ci/run` installs
 * the `chromium` package when it is missing. Without it the browser tests skip, saying why.
 */
export const CHROMIUM = process.env.PRODE_CHROMIUM ?? "/usr/bin/chromium";

export const hasChromium = existsSync(CHROMIUM);

/** Why the browser tests did not run, or undefined when they can. */
export const skipReason = hasChromium
  ? undefined
  : `${CHROMIUM} is missing: the browser tests are skipped (install Debian's chromium package: apt-get install -y chromium)`;

export function launchChromium(): Promise<Browser> {
  // --no-sandbox: CI runs as root in a container, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
}
