import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { renderConsentPage, renderLoginPage } from '../../../src/mock-provider/login/pages.js';
import { createUserAgent } from '../../../src/mock-provider/user-agent/user-agent.js';

interface Seen {
  method: string;
  path: string;
  cookie: string | undefined;
  contentType: string | undefined;
  body: string;
}

const seen: Seen[] = [];
let base = '';

function redirect(res: ServerResponse, status: number, location: string, cookies: string[] = []): void {
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  res.writeHead(status, { location });
  res.end();
}

function html(res: ServerResponse, body: string): void {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(body);
}

/** A stand-in for the provider: an authorize hop, login, consent, then the client's redirect_uri. */
async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  const url = new URL(req.url ?? '/', base);
  seen.push({ method: req.method ?? '', path: url.pathname, cookie: req.headers.cookie, contentType: req.headers['content-type'], body });
  const cookies = new Map(
    (req.headers.cookie ?? '')
      .split('; ')
      .filter(Boolean)
      .map((pair) => pair.split('=') as [string, string]),
  );
  const form = new URLSearchParams(body);

  switch (`${req.method} ${url.pathname}`) {
    case 'GET /auth':
      return redirect(res, 302, '/interaction/1', ['_interaction=i1; Path=/interaction; HttpOnly', 'tracker=t; Path=/']);
    case 'GET /interaction/1':
      if (cookies.get('_interaction') !== 'i1') return html(res, 'no interaction cookie');
      if (cookies.get('_session') === undefined) {
        return html(res, renderLoginPage({ action: '/interaction/1/login', users: [{ id: 'alice' }, { id: 'bob' }], clientId: 'app' }));
      }
      return html(
        res,
        renderConsentPage({
          approveAction: '/interaction/1/confirm',
          denyAction: '/interaction/1/abort',
          clientId: 'app',
          scopes: ['read'],
          user: cookies.get('_session') ?? '',
        }),
      );
    case 'POST /interaction/1/login': {
      const user = form.get('login_other') || form.get('login') || '';
      return redirect(res, 303, '/interaction/1', [`_session=${user}; Path=/`]);
    }
    case 'POST /interaction/1/confirm':
      return redirect(res, 303, `${base}/cb?code=c0de-${cookies.get('_session')}&state=st`, ['_interaction=; Path=/interaction; Max-Age=0']);
    case 'POST /interaction/1/abort':
      return redirect(res, 303, `${base}/cb?error=access_denied&state=st`);
    case 'GET /cb':
      return html(res, `callback ${url.search}`);
    case 'GET /loop':
      return redirect(res, 302, '/loop');
    case 'POST /temporary':
      return redirect(res, 307, '/echo');
    case 'POST /see-other':
      return redirect(res, 303, '/echo');
    case 'GET /echo':
    case 'POST /echo':
      return html(res, `${req.method} ${body}`);
    case 'GET /cookies':
      return redirect(res, 302, '/echo', [
        'secure=1; Path=/; Secure',
        'gone=1; Path=/; Max-Age=0',
        'past=1; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
        'future=1; Path=/; Expires=Fri, 01 Jan 2100 00:00:00 GMT',
        'deep=1; Path=/echo/deeper',
      ]);
    case 'GET /form':
      return html(res, renderLoginPage({ action: url.searchParams.get('action') ?? '', users: [{ id: 'alice' }], clientId: 'app' }));
    case 'GET /refusing-login':
      return html(res, renderLoginPage({ action: '/refusing-login', users: [{ id: 'alice' }], clientId: 'app' }));
    case 'POST /refusing-login':
      return html(
        res,
        renderLoginPage({ action: '/refusing-login', users: [{ id: 'alice' }], clientId: 'app', error: `Unknown user "${form.get('login_other') ?? ''}".` }),
      );
    case 'GET /custom-scheme':
      return redirect(res, 302, 'com.example.app:/oauth?code=c0de');
    case 'GET /bad-login':
      return html(res, renderLoginPage({ action: '/bad-login', users: [{ id: 'alice' }], clientId: 'app' }));
    case 'POST /bad-login':
      return redirect(res, 303, '/bad-login');
    default:
      res.writeHead(404).end('not found');
  }
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => res.writeHead(500).end(String(error)));
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
});

beforeEach(() => {
  seen.length = 0;
});

const isCallback = (url: URL) => url.pathname === '/cb';

describe('createUserAgent', () => {
  it('signs in as the first user, approves consent and stops at the redirect_uri without loading it', async () => {
    const agent = createUserAgent();
    const result = await agent.navigate(`${base}/auth`, { stopAt: isCallback });
    expect(result.stoppedAt?.searchParams.get('code')).toBe('c0de-alice');
    expect(result.status).toBe(303);
    expect(result.url.pathname).toBe('/interaction/1/confirm');
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      'GET /auth',
      'GET /interaction/1',
      'POST /interaction/1/login',
      'GET /interaction/1',
      'POST /interaction/1/confirm',
    ]);
  });

  it('sends stored cookies longest path first and posts the login form urlencoded', async () => {
    await createUserAgent().navigate(`${base}/auth`, { stopAt: isCallback });
    expect(seen[0]?.cookie).toBeUndefined();
    expect(seen[1]?.cookie).toBe('_interaction=i1; tracker=t');
    expect(seen[2]).toMatchObject({ contentType: 'application/x-www-form-urlencoded', body: 'login=alice', cookie: '_interaction=i1; tracker=t' });
    expect(seen[4]).toMatchObject({ body: '', cookie: '_interaction=i1; tracker=t; _session=alice' });
  });

  it('signs in as the requested user, typing an id that is not listed', async () => {
    const listed = await createUserAgent().navigate(`${base}/auth`, { stopAt: isCallback, login: 'bob' });
    expect(listed.stoppedAt?.searchParams.get('code')).toBe('c0de-bob');
    expect(seen[2]?.body).toBe('login=bob');
    const typed = await createUserAgent().navigate(`${base}/auth`, { stopAt: isCallback, login: 'carol' });
    expect(typed.stoppedAt?.searchParams.get('code')).toBe('c0de-carol');
    expect(seen.at(-3)?.body).toBe('login_other=carol');
  });

  it('presses Deny and follows the error redirect to the final page', async () => {
    const result = await createUserAgent().navigate(`${base}/auth`, { consent: 'deny' });
    expect(result.stoppedAt).toBeUndefined();
    expect(result.status).toBe(200);
    expect(result.url.pathname).toBe('/cb');
    expect(result.body).toBe('callback ?error=access_denied&state=st');
    expect(seen.map((s) => `${s.method} ${s.path}`)).toContain('POST /interaction/1/abort');
  });

  it('deletes a cookie set with Max-Age=0', async () => {
    const agent = createUserAgent();
    await agent.navigate(`${base}/auth`);
    expect(agent.cookiesFor(`${base}/interaction/1`)).toEqual(['tracker=t', '_session=alice']);
  });

  it('keeps the session cookie so a second run skips the login page', async () => {
    const agent = createUserAgent();
    await agent.navigate(`${base}/auth`, { stopAt: isCallback });
    seen.length = 0;
    const again = await agent.navigate(`${base}/auth`, { stopAt: isCallback, login: 'bob' });
    expect(again.stoppedAt?.searchParams.get('code')).toBe('c0de-alice');
    expect(seen.some((s) => s.path.endsWith('/login'))).toBe(false);
  });

  it('stores cookies by attributes: no Secure over http, expired ones dropped, paths matched', async () => {
    const agent = createUserAgent();
    await agent.navigate(`${base}/cookies`);
    expect(seen[1]?.cookie).toBe('future=1');
    expect(agent.cookiesFor(`${base}/echo/deeper/x`)).toEqual(['deep=1', 'future=1']);
    expect(agent.cookiesFor(`${base}/echo/deeperx`)).toEqual(['future=1']);
    expect(agent.cookiesFor(`${base.replace('http:', 'https:')}/`)).toEqual(['secure=1', 'future=1']);
  });

  it.each([
    ['keeps POST and its body across a 307', '/temporary', 'POST login=alice'],
    ['turns POST into a body-less GET after a 303', '/see-other', 'GET '],
  ])('%s', async (_name, action, echoed) => {
    const result = await createUserAgent().navigate(`${base}/form?action=${action}`);
    expect(result).toMatchObject({ status: 200, body: echoed });
    expect(seen.at(-1)?.path).toBe('/echo');
  });

  it('throws MOCK_PROVIDER when the login page keeps coming back', async () => {
    await expect(createUserAgent().navigate(`${base}/bad-login`)).rejects.toMatchObject({
      code: 'MOCK_PROVIDER',
      message: expect.stringContaining('came back 10 times'),
    });
  });

  it('throws MOCK_PROVIDER with the page error when the login is refused', async () => {
    await expect(createUserAgent().navigate(`${base}/refusing-login`, { login: 'mallory' })).rejects.toMatchObject({
      code: 'MOCK_PROVIDER',
      message: 'The mock provider refused the sign-in: Unknown user "mallory".',
    });
    expect(seen).toHaveLength(2);
  });

  it('throws MOCK_PROVIDER after too many redirects', async () => {
    await expect(createUserAgent({ maxRedirects: 5 }).navigate(`${base}/loop`)).rejects.toMatchObject({
      code: 'MOCK_PROVIDER',
      message: expect.stringContaining('more than 5'),
    });
    expect(seen).toHaveLength(6);
  });

  it('throws MOCK_PROVIDER for a custom-scheme redirect unless stopAt claims it, without echoing the code', async () => {
    const error = await createUserAgent()
      .navigate(`${base}/custom-scheme`)
      .catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'MOCK_PROVIDER' });
    expect((error as Error).message).not.toContain('c0de');
    const result = await createUserAgent().navigate(`${base}/custom-scheme`, { stopAt: (url) => url.protocol === 'com.example.app:' });
    expect(result.stoppedAt?.searchParams.get('code')).toBe('c0de');
  });

  it('returns a non-form page as it is', async () => {
    const result = await createUserAgent().navigate(`${base}/nowhere`);
    expect(result).toMatchObject({ status: 404, body: 'not found' });
  });
});
