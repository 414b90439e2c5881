/**
 * Login, consent and error pages for the interactive mode. Self-contained HTML: inline CSS, no script, no
 * external asset, every interpolated value escaped. The ids and field names are a contract with the engine's
 * interaction routes, with Playwright tests and with the headless user agent (`../user-agent.ts`):
 *
 * - login: `<form id="login-form" method="post" action=…>` posting `login` (a `<select>` of users) and
 *   `login_other` (free text; when non-empty it wins over `login`), submitted by `#sign-in`;
 * - consent: `#approve` in `<form id="approve-form">` and `#deny` in `<form id="deny-form">`, both POST with no
 *   required fields.
 */

/**
 * Headers to send with these pages: nothing loads, nothing leaks through Referer. No `form-action`: Chromium
 * applies it to the redirects that follow a submit, which here end at the client's redirect_uri.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;line-height:1.5;color:#222}' +
  'h1{font-size:1.4rem}label{display:block;margin:.75rem 0 .25rem}select,input{width:100%;padding:.4rem;font:inherit;box-sizing:border-box}' +
  'button{margin-top:1rem;padding:.5rem 1.2rem;font:inherit;cursor:pointer}.error{color:#a00;border:1px solid #a00;padding:.5rem}' +
  'code{background:#eee;padding:0 .2em}.actions{display:flex;gap:.75rem}.actions form{margin:0}';

function page(title: string, bodyHtml: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${bodyHtml}
</body>
</html>
`;
}

/**
 * The mock provider's sign-in page: pick a user (or type an id) and press "Sign in".
 *
 * @example
 * renderLoginPage({ action: '/interaction/abc/login', users: [{ id: 'alice', name: 'Alice' }], clientId: 'my-app' })
 */
export function renderLoginPage(input: {
  action: string;
  users: { id: string; name?: string }[];
  clientId: string;
  error?: string;
}): string {
  const error = input.error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(input.error)}</p>\n`;
  const select =
    input.users.length === 0
      ? ''
      : `<label for="login">User</label>
<select id="login" name="login">
${input.users
  .map((user) => {
    const label = user.name === undefined ? user.id : `${user.name} (${user.id})`;
    return `<option value="${escapeHtml(user.id)}">${escapeHtml(label)}</option>`;
  })
  .join('\n')}
</select>
`;
  return page(
    'Sign in to the mock provider',
    `${error}<p>Continue to <code>${escapeHtml(input.clientId)}</code>.</p>
<form id="login-form" method="post" action="${escapeHtml(input.action)}">
${select}<label for="login-other">${input.users.length === 0 ? 'User id' : 'Or another user id'}</label>
<input id="login-other" name="login_other" type="text" autocomplete="username"${input.users.length === 0 ? ' required' : ''}>
<button id="sign-in" type="submit">Sign in</button>
</form>`,
  );
}

/**
 * The consent page: the scopes the client asks for, an "Allow" and a "Deny" button.
 *
 * @example
 * renderConsentPage({ approveAction: '/interaction/abc/confirm', denyAction: '/interaction/abc/abort', clientId: 'my-app', scopes: ['read'], user: 'alice' })
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1 (a denial becomes error=access_denied)
 */
export function renderConsentPage(input: {
  approveAction: string;
  denyAction: string;
  clientId: string;
  scopes: string[];
  user: string;
}): string {
  const scopes =
    input.scopes.length === 0
      ? '<p>No specific scope is requested.</p>'
      : `<ul id="scopes">\n${input.scopes.map((scope) => `<li><code>${escapeHtml(scope)}</code></li>`).join('\n')}\n</ul>`;
  return page(
    'Authorize access',
    `<p>Signed in as <strong>${escapeHtml(input.user)}</strong>.</p>
<p><code>${escapeHtml(input.clientId)}</code> asks for:</p>
${scopes}
<div class="actions">
<form id="approve-form" method="post" action="${escapeHtml(input.approveAction)}"><button id="approve" type="submit">Allow</button></form>
<form id="deny-form" method="post" action="${escapeHtml(input.denyAction)}"><button id="deny" type="submit">Deny</button></form>
</div>`,
  );
}

/**
 * A plain error page (unknown interaction, expired session…).
 *
 * @example
 * renderErrorPage({ title: 'Session expired', message: 'Start the sign-in again.' })
 */
export function renderErrorPage(input: { title: string; message: string }): string {
  return page(input.title, `<p id="error-message">${escapeHtml(input.message)}</p>`);
}
