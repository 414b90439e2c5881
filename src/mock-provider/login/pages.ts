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
import { escapeHtml, renderHtmlPage } from '../../shared/html-page.js';

export { HTML_PAGE_HEADERS as PAGE_HEADERS } from '../../shared/html-page.js';

/**
 * The mock provider's sign-in page: pick a user (or type an id) and press "Sign in".
 *
 * @example
 * renderLoginPage({ action: '/interaction/abc/login', users: [{ id: 'alice', name: 'Alice' }], clientId: 'my-app' })
 */
export function renderLoginPage(input: { action: string; users: { id: string; name?: string }[]; clientId: string; error?: string }): string {
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
  return renderHtmlPage(
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
export function renderConsentPage(input: { approveAction: string; denyAction: string; clientId: string; scopes: string[]; user: string }): string {
  const scopes =
    input.scopes.length === 0
      ? '<p>No specific scope is requested.</p>'
      : `<ul id="scopes">\n${input.scopes.map((scope) => `<li><code>${escapeHtml(scope)}</code></li>`).join('\n')}\n</ul>`;
  return renderHtmlPage(
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
  return renderHtmlPage(input.title, `<p id="error-message">${escapeHtml(input.message)}</p>`);
}
