import { describe, expect, it } from 'vitest';
import { PAGE_HEADERS, renderConsentPage, renderErrorPage, renderLoginPage } from '../../../src/mock-provider/login/pages.js';

const EVIL = '<script>alert("x")</script>';

describe('renderLoginPage', () => {
  const html = renderLoginPage({
    action: '/interaction/abc/login?x=1&y="2"',
    users: [{ id: 'alice', name: 'Alice' }, { id: 'bob' }],
    clientId: 'my-app',
  });

  it('posts the login form to the action with stable ids and field names', () => {
    expect(html).toContain('<form id="login-form" method="post" action="/interaction/abc/login?x=1&amp;y=&quot;2&quot;">');
    expect(html).toContain('<select id="login" name="login">');
    expect(html).toContain('<option value="alice">Alice (alice)</option>');
    expect(html).toContain('<option value="bob">bob</option>');
    expect(html).toContain('name="login_other"');
    expect(html).toContain('<button id="sign-in" type="submit">Sign in</button>');
  });

  it('offers only a required text field when there are no users', () => {
    const empty = renderLoginPage({ action: '/login', users: [], clientId: 'my-app' });
    expect(empty).not.toContain('<select');
    expect(empty).toMatch(/name="login_other" [^>]*required/);
  });

  it('escapes user names, ids, the client id and the error', () => {
    const page = renderLoginPage({ action: '/login', users: [{ id: EVIL, name: EVIL }], clientId: EVIL, error: EVIL });
    expect(page).not.toContain('<script>');
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(page).toContain('role="alert"');
  });

  it('loads nothing from elsewhere and runs no script', () => {
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\//);
  });
});

describe('renderConsentPage', () => {
  const input = { approveAction: '/i/1/confirm', denyAction: '/i/1/abort', clientId: 'my-app', scopes: ['read', 'offline_access'], user: 'alice' };

  it('offers Allow and Deny as separate POST forms and lists the scopes', () => {
    const html = renderConsentPage(input);
    expect(html).toContain('<form id="approve-form" method="post" action="/i/1/confirm"><button id="approve" type="submit">Allow</button></form>');
    expect(html).toContain('<form id="deny-form" method="post" action="/i/1/abort"><button id="deny" type="submit">Deny</button></form>');
    expect(html).toContain('<li><code>offline_access</code></li>');
  });

  it('escapes the user, client id, scopes and actions', () => {
    const html = renderConsentPage({ approveAction: `/a"${EVIL}`, denyAction: EVIL, clientId: EVIL, scopes: [EVIL], user: EVIL });
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('action="/a""');
  });
});

describe('renderErrorPage', () => {
  it('escapes the title and the message', () => {
    const html = renderErrorPage({ title: EVIL, message: `${EVIL} & more` });
    expect(html).not.toContain('<script>');
    expect(html).toContain('<p id="error-message">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more</p>');
  });
});

describe('PAGE_HEADERS', () => {
  it('forbids loading anything but inline styles and sends no Referer', () => {
    expect(PAGE_HEADERS['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'");
    expect(PAGE_HEADERS['referrer-policy']).toBe('no-referrer');
  });
});
