import { watch } from 'node:fs';
import { launchChromium } from './chromium.js';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startCli, tempProject } from '../helpers/cli.js';
import type { CliRun } from '../helpers/cli.js';

/**
 * `integration-cli oauth2 --mock --open` end to end in Debian's chromium: the CLI opens the authorize URL with
 * the `open` package, whose bundled `xdg-open` (no desktop session here) runs `$BROWSER <url>`. Our `$BROWSER`
 * only writes the URL to a file; the test then plays the user in a real browser on the mock's login and
 * consent pages, and checks what the CLI shows, prints, exits with and writes.
 */

const root = path.resolve(import.meta.dirname, '../..');
const FIXTURE = path.join(root, 'fixtures/unito.json');
/** Full-page screenshots for a person to look at (git-ignored). */
const SHOTS = path.join(root, 'test-results/browser');

/** Desktop-session variables that would make xdg-open pick a desktop opener instead of `$BROWSER`. */
const NO_DESKTOP = Object.fromEntries(
  [
    'DISPLAY',
    'WAYLAND_DISPLAY',
    'XDG_CURRENT_DESKTOP',
    'DESKTOP_SESSION',
    'KDE_FULL_SESSION',
    'GNOME_DESKTOP_SESSION_ID',
    'MATE_DESKTOP_SESSION_ID',
    'LXQT_SESSION_CONFIG',
    'XDG_RUNTIME_DIR',
  ].map((name) => [name, undefined]),
);

let browser: Browser;
let context: BrowserContext;
let page: Page;
let run: CliRun | undefined;
/** Requests the browser tried to send anywhere but 127.0.0.1 (aborted). */
let offLoopback: string[];

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

beforeEach(async () => {
  offLoopback = [];
  context = await browser.newContext();
  await context.route(
    (url) => url.hostname !== '127.0.0.1',
    (route) => {
      offLoopback.push(route.request().url());
      return route.abort('blockedbyclient');
    },
  );
  page = await context.newPage();
});

afterEach(async () => {
  await context.close();
  // A failed test may leave the CLI waiting for its callback: stop it so the next test starts clean.
  if (run) {
    run.kill('SIGTERM');
    await run.done;
    run = undefined;
  }
});

/**
 * A temp project holding a byte copy of fixtures/unito.json, a private mock cache, and a `$BROWSER` script
 * that appends the URL it is given to `browser-urls.txt`.
 */
async function openProject() {
  const original = await readFile(FIXTURE, 'utf8');
  const project = await tempProject(original);
  const urlFile = path.join(project.dir, 'browser-urls.txt');
  const browserScript = path.join(project.dir, 'fake-browser.sh');
  await writeFile(browserScript, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${urlFile}'\n`);
  await chmod(browserScript, 0o755);
  return { ...project, original, urlFile, browserScript };
}

function startMockOpen(project: Awaited<ReturnType<typeof openProject>>): CliRun {
  run = startCli(['oauth2', '--mock', '--open', '--config-path', project.configPath], {
    cwd: project.dir,
    env: {
      ...NO_DESKTOP,
      OAUTH2_PORT: '0',
      OAUTH2_TESTKIT_CACHE_DIR: project.cacheDir,
      BROWSER: project.browserScript,
    },
  });
  return run;
}

async function firstLine(file: string): Promise<string | undefined> {
  try {
    const text = await readFile(file, 'utf8');
    const end = text.indexOf('\n');
    return end === -1 ? undefined : text.slice(0, end);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Resolves with the first URL `$BROWSER` received; rejects if the CLI exits before opening one. */
function waitForOpenedUrl(urlFile: string, cli: CliRun): Promise<string> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      watcher.close();
      finish();
    };
    const check = () => {
      firstLine(urlFile).then(
        (line) => line && settle(() => resolve(line)),
        (error: unknown) => settle(() => reject(error)),
      );
    };
    // Watch first, then look: a write between the two is still seen.
    const watcher = watch(path.dirname(urlFile), check);
    check();
    void cli.done.then((result) => settle(() => reject(new Error(`The CLI exited with ${result.code} before opening a browser:\n${result.stderr}`))));
  });
}

/** Waits for `selector`; on timeout, says which page the browser is on instead (a denial, an error page…). */
async function expectPage(selector: string, what: string): Promise<void> {
  try {
    await page.locator(selector).waitFor();
  } catch (error) {
    const url = new URL(page.url());
    const text = await page
      .locator('body')
      .textContent()
      .catch(() => '(no body)');
    throw new Error(
      `Expected the ${what} (${selector}), the browser is on ${url.origin}${url.pathname}${url.search.replace(/state=[^&]*/, 'state=…')}:\n${text}`,
      { cause: error },
    );
  }
}

function callbackResponse(): Promise<Response> {
  return page.waitForResponse((response) => new URL(response.url()).pathname === '/callback');
}

/** From the opened authorize URL to the consent page, signing in as the first user of the list. */
async function signIn(url: string, screenshot: boolean) {
  expect(new URL(url).hostname).toBe('127.0.0.1');
  await page.goto(url);
  await expectPage('#login-form', 'login page');
  const users = page.locator('select[name="login"] option');
  expect(await users.count()).toBeGreaterThan(0);
  const user = await users.first().getAttribute('value');
  expect(user).toBeTruthy();
  if (screenshot) await page.screenshot({ path: path.join(SHOTS, 'login.png'), fullPage: true });
  await page.locator('select[name="login"]').selectOption(user!);
  await page.locator('#sign-in').click();
  await expectPage('#approve', 'consent page');
  expect(await page.locator('body').textContent()).toContain(user!);
  if (screenshot) await page.screenshot({ path: path.join(SHOTS, 'consent.png'), fullPage: true });
}

describe('integration-cli oauth2 --mock --open in chromium', () => {
  it('writes tokens to testAccounts.mock after the user signs in and allows access', async () => {
    const project = await openProject();
    const cli = startMockOpen(project);

    await signIn(await waitForOpenedUrl(project.urlFile, cli), true);
    const callback = callbackResponse();
    await page.locator('#approve').click();
    expect((await callback).status()).toBe(200);
    expect(await page.locator('h1').textContent()).toBe('Authorization complete');
    expect(await page.locator('body').textContent()).toMatch(/use your terminal again/);
    await page.screenshot({ path: path.join(SHOTS, 'success.png'), fullPage: true });

    const result = await cli.done;
    expect(result.code, result.stderr).toBe(0);
    const before = JSON.parse(project.original);
    const after = JSON.parse(await readFile(project.configPath, 'utf8'));
    const { mock, ...otherAccounts } = after.testAccounts;
    expect(mock).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String) });
    expect(mock.accessToken).not.toBe('');
    expect(mock.refreshToken).not.toBe('');
    expect(otherAccounts).toEqual(before.testAccounts);
    expect({ ...after, testAccounts: null }).toEqual({ ...before, testAccounts: null });
    // Secrets only go to the config file, never to the terminal.
    expect(result.stderr + result.stdout).not.toContain(mock.accessToken);
    expect(result.stderr + result.stdout).not.toContain(mock.refreshToken);
    expect(offLoopback).toEqual([]);
  });

  it('shows access_denied, exits 1 and leaves the config untouched when the user denies access', async () => {
    const project = await openProject();
    const cli = startMockOpen(project);

    await signIn(await waitForOpenedUrl(project.urlFile, cli), false);
    const callback = callbackResponse();
    await page.locator('#deny').click();
    expect((await callback).status()).toBe(400);
    expect(await page.locator('h1').textContent()).toBe('Authorization failed');
    expect(await page.locator('body').textContent()).toContain('access_denied');
    await page.screenshot({ path: path.join(SHOTS, 'denied.png'), fullPage: true });

    const result = await cli.done;
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain('access_denied');
    expect(await readFile(project.configPath, 'utf8')).toBe(project.original);
    expect(offLoopback).toEqual([]);
  });
});
