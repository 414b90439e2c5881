/**
 * The inspector page of `integration-cli mock-provider` in Debian's chromium: a real login on the mock's form
 * pages, then the page lists it (no secret, code or token anywhere in its HTML), and its expire button makes
 * the next `/api/me` answer 401.
 */
import { launchChromium } from './chromium.js';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type CliRun, startCli } from '../helpers/cli.js';

const root = path.resolve(import.meta.dirname, '../..');
const SHOTS = path.join(root, 'test-results/browser');
const SECRET = 'inspector-client-secret-7d1f2a';
const TOKEN = 'inspector-control-token';

let browser: Browser;
let run: CliRun | undefined;

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  browser = await launchChromium();
});

afterAll(async () => {
  run?.kill('SIGTERM');
  await run?.done;
  await browser?.close();
});

it('lists a login that just happened without any secret, and its expire button makes /api/me answer 401', async () => {
  run = startCli([
    'mock-provider',
    '--port',
    '0',
    '--login',
    'form',
    '--client-secret',
    SECRET,
    '--scope',
    'read:issues',
    '--scope',
    'offline_access',
    '--control-token',
    TOKEN,
  ]);
  const [, issuer] = await run.waitForStderr(/^issuer\s+(\S+)/m);
  await run.waitForStderr(/ready on/);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.route(
    (url) => url.hostname !== '127.0.0.1',
    (route) => route.abort('blockedbyclient'),
  );
  const page = await context.newPage();

  // A real login on the mock's login and consent pages; the callback is answered by the test.
  const redirectUri = 'http://127.0.0.1:9/callback';
  await page.route(`${redirectUri}**`, (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'callback reached' }));
  const verifier = randomBytes(32).toString('base64url');
  const authorize = new URL(`${issuer}/auth`);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: 'mock-client',
    redirect_uri: redirectUri,
    scope: 'read:issues offline_access',
    state: 'browser-state',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    prompt: 'consent',
  }).toString();
  await page.goto(authorize.href);
  await page.click('#sign-in');
  await page.click('#approve');
  await page.waitForURL(`${redirectUri}**`);
  const code = new URL(page.url()).searchParams.get('code') ?? '';
  expect(code).not.toBe('');
  const exchange = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: redirectUri,
      client_id: 'mock-client',
      client_secret: SECRET,
    }),
  });
  expect(exchange.status).toBe(200);
  const tokens = (await exchange.json()) as { access_token: string; refresh_token: string };
  const me = () => fetch(`${issuer}/api/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  expect((await me()).status).toBe(200);

  // The token goes once through the URL, then lives in an HttpOnly cookie.
  await page.goto(`${issuer}/_testkit/?token=${TOKEN}`);
  expect(page.url()).toBe(`${issuer}/_testkit/`);
  const cookie = (await context.cookies()).find((candidate) => candidate.name === 'testkit_control');
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/_testkit' });

  const row = page.locator('details.req', { hasText: 'authorization_code' });
  await expect.poll(() => row.count()).toBe(1);
  await expect.poll(() => row.locator('summary').innerText()).toMatch(/POST\s+\/token\s+200\s+authorization_code\s+mock-client/);
  expect(await page.locator('details.req', { hasText: '/api/me' }).count()).toBe(1);
  const grants = page.locator('section', { hasText: 'Live grants' });
  expect(await grants.innerText()).toMatch(/mock-user\s+mock-client\s+.*read:issues/);
  expect(await grants.innerText()).toMatch(/1, in 60 min/);
  await page.screenshot({ path: path.join(SHOTS, 'inspector-after-login.png'), fullPage: true });

  await row.locator('summary').click();
  expect(await row.innerText()).toContain('[redacted]');
  await page.screenshot({ path: path.join(SHOTS, 'inspector-request-open.png'), fullPage: true });

  const html = await page.content();
  for (const secret of [SECRET, code, verifier, tokens.access_token, tokens.refresh_token, TOKEN]) expect(html).not.toContain(secret);

  await page.click('#action-expire-access-tokens');
  await page.waitForURL(`${issuer}/_testkit/?done=expire-access-tokens`);
  await expect.poll(() => page.locator('.notice').innerText()).toContain('expired');
  const afterExpire = await me();
  expect(afterExpire.status).toBe(401);
  expect(afterExpire.headers.get('www-authenticate')).toContain('invalid_token');
  await page.reload();
  expect(await page.locator('section', { hasText: 'Live grants' }).innerText()).toMatch(/1, expired/);
  await page.screenshot({ path: path.join(SHOTS, 'inspector-after-expire.png'), fullPage: true });
  await context.close();
});
