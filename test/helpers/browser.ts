/**
 * A headless Chromium for the dashboard tests, driven by playwright-core (no bundled browsers: the
 * Debian package at /usr/bin/chromium). Locally a missing browser skips the suite with a message;
 * in CI (CI set, as .ci/run does) it is installed with apt, and a failure there fails the run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../../bench/lib/chromium.ts';
import { servicesRequired } from './services.ts';

export { CHROMIUM, launchChromium };

/** undefined when Chromium is there (installing it in CI); otherwise why the suite skips. */
export function requireChromium(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  if (servicesRequired()) {
    execFileSync('bash', ['-c', 'apt-get update -qq && apt-get install -y -qq chromium'], {
      stdio: 'inherit',
    });
    if (existsSync(CHROMIUM)) return undefined;
    throw new Error(`required: ${CHROMIUM} (apt-get install chromium failed)`);
  }
  const reason = `needs Chromium at ${CHROMIUM}: apt-get install chromium`;
  console.warn(`[skip] ${reason}`);
  return reason;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * axe-core's serious and critical violations on the page as it is now. axe is evaluated through the
 * DevTools protocol, not a <script> tag, so the page's strict CSP stays in force.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  const injected = await page.evaluate('typeof window.axe === "object"');
  if (!injected) await page.evaluate(axeSource);
  const result = (await page.evaluate(
    'window.axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))',
  )) as AxeViolation[];
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
