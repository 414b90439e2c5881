/**
 * The inspector page, `GET {issuer}/_testkit/`: what the provider holds and saw, readable without JavaScript.
 * Recorded requests come from the recorder, already redacted; clients are shown without their secret, grants
 * without any token value. Every interpolated value is escaped. A few lines of script refresh the live part
 * every two seconds (keeping open `<details>` open); the forms work without it.
 */
import { escapeHtml, renderHtmlPage } from '../../shared/html-page.js';
import type { MockProviderInternals } from '../create-mock-provider.js';
import { CONTROL_PREFIX } from '../routes.js';
import { ENDPOINTS, type FaultSpec } from '../scenario/faults.js';
import type { RecordedRequest } from '../scenario/recorder.js';

/** The faults the page's form offers, by form value. */
export const FAULT_PRESETS: Readonly<Record<string, { label: string; spec: FaultSpec }>> = {
  'invalid-grant': { label: '400 invalid_grant', spec: { error: 'invalid_grant' } },
  'invalid-client': { label: '401 invalid_client', spec: { error: 'invalid_client' } },
  '500': { label: '500 Internal Server Error', spec: 500 },
  '503': { label: '503 Service Unavailable', spec: 503 },
  'rate-limit': { label: '429, Retry-After: 30', spec: { status: 429, retryAfter: 30 } },
  html: { label: '200 with an HTML page', spec: { malformed: 'html' } },
  'truncated-json': { label: '200 with truncated JSON', spec: { malformed: 'truncated-json' } },
  'delay-5s': { label: 'answer after 5 s', spec: { delayMs: 5000 } },
};

/** Routes the page's forms post to, with what the notice says once done. */
export const INSPECTOR_ACTIONS: Readonly<Record<string, string>> = {
  'expire-access-tokens': 'Every access token issued so far is expired.',
  'revoke-refresh-tokens': 'Every refresh token issued so far is revoked.',
  'fail-next': 'Fault queued for the next request to that endpoint.',
  requests: 'Recorded requests cleared.',
  reset: 'Provider reset: start clients and users, nothing else.',
};

/** Requests shown, newest first (the recorder keeps up to 1000). */
const SHOWN_REQUESTS = 200;

const STYLE =
  'body{max-width:72rem;margin:1.5rem auto;color:#1f2328;background:#f6f8fa}h1{font-size:1.3rem;margin:0 0 .25rem}' +
  'h2{font-size:1rem;margin:0 0 .5rem}section{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:.75rem 1rem;margin:0 0 1rem}' +
  '.sub{color:#59636e;margin:0 0 1rem}.sub code{background:#eaeef2}.notice{background:#dafbe1;border:1px solid #4ac26b;border-radius:6px;padding:.4rem .75rem;margin:0 0 1rem}' +
  '.stats{display:flex;flex-wrap:wrap;gap:.5rem;margin:0 0 1rem;padding:0;list-style:none}.stats li{background:#fff;border:1px solid #d0d7de;border-radius:999px;padding:.1rem .7rem;font-size:.9rem}' +
  '.bar{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}.bar form{margin:0;display:flex;gap:.4rem;align-items:center}' +
  '.bar button,.bar select{margin:0;width:auto;padding:.3rem .7rem;font-size:.9rem;border:1px solid #d0d7de;border-radius:6px;background:#f6f8fa}' +
  '.bar button:hover{background:#eaeef2}.bar .danger{color:#cf222e}.bar .sep{width:1px;align-self:stretch;background:#d0d7de;margin:0 .25rem}' +
  'table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eaeef2;vertical-align:top}' +
  'th{color:#59636e;font-weight:600}td code,summary code{background:none;padding:0}.grid{display:grid;grid-template-columns:1fr 1fr;gap:1rem}.grid section{margin:0}' +
  '.req{border-bottom:1px solid #eaeef2;font-size:.9rem}.req summary{display:grid;grid-template-columns:9rem 4rem minmax(8rem,1fr) 3.5rem 10rem 9rem;gap:.5rem;padding:.3rem .25rem;cursor:pointer;list-style-position:inside}' +
  '.req summary:hover{background:#f6f8fa}.req[open] summary{background:#f6f8fa}.req .detail{padding:.25rem .5rem .75rem 1.5rem}.req h3{font-size:.8rem;color:#59636e;margin:.5rem 0 .2rem;text-transform:uppercase;letter-spacing:.04em}' +
  '.kv td:first-child{white-space:nowrap;color:#59636e;width:14rem}.kv td{font-family:ui-monospace,monospace;font-size:.8rem;word-break:break-all;padding:.15rem .5rem}' +
  '.head{display:grid;grid-template-columns:9rem 4rem minmax(8rem,1fr) 3.5rem 10rem 9rem;gap:.5rem;padding:0 .25rem .3rem .25rem;color:#59636e;font-weight:600;font-size:.9rem;border-bottom:1px solid #d0d7de}' +
  '.req summary>span{min-width:0;overflow-wrap:anywhere}.req summary>span:first-child{white-space:nowrap}.head>span:first-child{padding-left:1.1rem}td:first-child{white-space:nowrap}.req summary>span:first-child::before{content:"\\25B8\\00a0\\00a0";color:#59636e}.req[open] summary>span:first-child::before{content:"\\25BE\\00a0\\00a0"}' +
  '.bar+.bar{margin-top:.6rem;padding-top:.6rem;border-top:1px solid #eaeef2}.bar .end{margin-left:auto}' +
  '.s2{color:#1a7f37}.s3{color:#0969da}.s4{color:#9a6700}.s5{color:#cf222e}.s0{color:#59636e}.muted{color:#59636e}.mono{font-family:ui-monospace,monospace}' +
  '.empty{color:#59636e;font-style:italic;margin:.25rem 0}@media (max-width:50rem){.grid{grid-template-columns:1fr}}';

/** Live refresh: fetch the page again, swap `#live`, keep the same `<details>` open. Paused while the tab is hidden. */
const SCRIPT =
  "setInterval(async()=>{if(document.hidden)return;try{const r=await fetch(location.pathname,{credentials:'same-origin'});if(!r.ok)return;" +
  "const next=new DOMParser().parseFromString(await r.text(),'text/html').getElementById('live');const live=document.getElementById('live');if(!next||!live)return;" +
  "for(const d of live.querySelectorAll('details[open]')){const same=next.querySelector('#'+CSS.escape(d.id));if(same)same.open=true}live.replaceWith(next)}catch{}},2000);";

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function time(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 23)}Z`;
}

function until(expSeconds: number | undefined, now: number): string {
  if (expSeconds === undefined) return '—';
  const left = expSeconds - Math.floor(now / 1000);
  if (left <= 0) return 'expired';
  const text =
    left < 120
      ? `${left} s`
      : left < 7200
        ? `${Math.round(left / 60)} min`
        : left < 172_800
          ? `${Math.round(left / 3600)} h`
          : `${Math.round(left / 86_400)} days`;
  return `in ${text}`;
}

function kvTable(values: Record<string, string>): string {
  const rows = Object.entries(values);
  if (rows.length === 0) return '<p class="empty">none</p>';
  return `<table class="kv">${rows.map(([name, value]) => `<tr><td>${escapeHtml(name)}</td><td>${escapeHtml(value)}</td></tr>`).join('')}</table>`;
}

function requestRow(request: RecordedRequest, index: number): string {
  const body = typeof request.body === 'object' ? request.body : {};
  const grant = body.grant_type ?? (request.endpoint === 'authorization' ? `authorize (${request.query.response_type ?? '?'})` : '');
  const client = body.client_id ?? request.query.client_id ?? (/^basic /i.test(request.headers.authorization ?? '') ? '(Basic auth)' : '');
  const status = request.status;
  const statusClass = status === undefined ? 's0' : `s${String(status).charAt(0)}`;
  const bodyHtml =
    request.body === undefined
      ? '<p class="empty">no body</p>'
      : typeof request.body === 'string'
        ? `<p class="mono">${escapeHtml(request.body)}</p>`
        : kvTable(request.body);
  return `<details class="req" id="req-${index}"><summary><span class="mono">${escapeHtml(time(request.time))}</span><span>${escapeHtml(request.method)}</span><span class="mono">${escapeHtml(request.path)}</span><span class="${statusClass}">${status === undefined ? '…' : status}</span><span>${escapeHtml(grant)}</span><span>${escapeHtml(client)}</span></summary>
<div class="detail"><h3>Query</h3>${kvTable(request.query)}<h3>Headers</h3>${kvTable(request.headers)}<h3>Body</h3>${bodyHtml}</div></details>`;
}

interface GrantRow {
  id: string;
  accountId: string;
  clientId: string;
  scope: string;
  accessTokens: number;
  accessExp: number | undefined;
  refreshTokens: number;
  refreshExp: number | undefined;
}

/** Live grants with their tokens' counts and latest expiry; no token value ever leaves the store. */
function grantRows(internals: MockProviderInternals): GrantRow[] {
  const rows = new Map<string, GrantRow>();
  const row = (grantId: string, payload: Record<string, unknown>): GrantRow => {
    let found = rows.get(grantId);
    if (found === undefined) {
      found = {
        id: grantId,
        accountId: String(payload.accountId ?? ''),
        clientId: String(payload.clientId ?? ''),
        scope: '',
        accessTokens: 0,
        accessExp: undefined,
        refreshTokens: 0,
        refreshExp: undefined,
      };
      rows.set(grantId, found);
    }
    return found;
  };
  for (const { key, payload } of internals.store.list('Grant')) {
    const grant = row(key.slice('Grant:'.length), payload);
    const openid = payload.openid as { scope?: unknown } | undefined;
    if (typeof openid?.scope === 'string') grant.scope = openid.scope;
  }
  const latest = (a: number | undefined, b: unknown): number | undefined => (typeof b === 'number' ? Math.max(a ?? 0, b) : a);
  for (const model of ['AccessToken', 'RefreshToken'] as const) {
    for (const { payload } of internals.store.list(model)) {
      if (typeof payload.grantId !== 'string') continue;
      const grant = row(payload.grantId, payload);
      if (typeof payload.scope === 'string' && payload.scope !== '') grant.scope = payload.scope;
      if (model === 'AccessToken') {
        grant.accessTokens += 1;
        grant.accessExp = latest(grant.accessExp, payload.exp);
      } else {
        grant.refreshTokens += 1;
        grant.refreshExp = latest(grant.refreshExp, payload.exp);
      }
    }
  }
  return [...rows.values()];
}

function csrfField(csrf: string): string {
  return `<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">`;
}

function actionForm(route: string, label: string, csrf: string, extra = '', className = ''): string {
  return `<form method="post" action="${CONTROL_PREFIX}/${route}">${csrfField(csrf)}${extra}<button type="submit" id="action-${route}"${className === '' ? '' : ` class="${className}"`}>${escapeHtml(label)}</button></form>`;
}

/** The whole page. `csrf` goes into every form; `nonce` allows the refresh script; `done` names the action just done. */
export function renderInspectorPage(input: { internals: MockProviderInternals; csrf: string; nonce: string; done?: string | undefined }): string {
  const { internals, csrf } = input;
  const provider = internals.provider;
  const now = Date.now();
  const requests = provider.requests;
  const grants = grantRows(internals);
  const jwts = [...internals.inspect.jwtAccessTokens().values()].filter((expiresAt) => expiresAt > now).length;
  const queued = internals.inspect.queuedFaults();

  const faultForm = `<form method="post" action="${CONTROL_PREFIX}/fail-next">${csrfField(csrf)}<label class="muted" for="fault-endpoint">Queue a fault: the next request to</label>
<select id="fault-endpoint" name="endpoint">${ENDPOINTS.map((name) => `<option value="${name}"${name === 'token' ? ' selected' : ''}>${name}</option>`).join('')}</select>
<label class="muted" for="fault-kind">gets</label><select id="fault-kind" name="fault">${Object.entries(FAULT_PRESETS)
    .map(([value, preset]) => `<option value="${escapeHtml(value)}">${escapeHtml(preset.label)}</option>`)
    .join('')}</select><button type="submit" id="action-fail-next">Queue fault</button></form>`;

  const actions = `<section aria-label="Actions"><div class="bar">
${actionForm('expire-access-tokens', 'Expire access tokens', csrf)}
${actionForm('revoke-refresh-tokens', 'Revoke refresh tokens', csrf)}
<span class="sep"></span>${actionForm('requests', 'Clear requests', csrf)}
<span class="end">${actionForm('reset', 'Reset everything', csrf, '', 'danger')}</span>
</div><div class="bar">${faultForm}</div></section>`;

  const shown = requests
    .map((request, index) => ({ request, index }))
    .slice(-SHOWN_REQUESTS)
    .reverse();
  const requestList =
    shown.length === 0
      ? '<p class="empty">No request yet.</p>'
      : `<div class="head"><span>Time (UTC)</span><span>Method</span><span>Path</span><span>Status</span><span>Grant</span><span>Client</span></div>${shown.map(({ request, index }) => requestRow(request, index)).join('\n')}`;

  const clients =
    provider.clients.length === 0
      ? '<p class="empty">none</p>'
      : `<table><tr><th>Client</th><th>Auth</th><th>Secret</th><th>Scopes</th><th>Redirect URIs</th></tr>${provider.clients
          .map(
            (client) =>
              `<tr><td class="mono">${escapeHtml(client.clientId)}</td><td>${escapeHtml(client.tokenEndpointAuthMethod)}</td><td class="muted">${client.clientSecret === undefined ? 'none (public)' : 'set'}</td><td>${escapeHtml(client.scopes.join(' ') || '—')}</td><td class="mono">${client.redirectUris.map(escapeHtml).join('<br>')}</td></tr>`,
          )
          .join('')}</table>`;

  const users =
    provider.users.length === 0
      ? '<p class="empty">none</p>'
      : `<table><tr><th>User</th><th>Claims</th></tr>${provider.users
          .map(
            (user) =>
              `<tr><td class="mono">${escapeHtml(user.id)}</td><td class="mono">${escapeHtml(
                Object.entries(user.claims)
                  .map(([name, value]) => `${name}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
                  .join(', ') || '—',
              )}</td></tr>`,
          )
          .join('')}</table>`;

  const grantTable =
    grants.length === 0
      ? '<p class="empty">No live grant.</p>'
      : `<table><tr><th>Grant</th><th>User</th><th>Client</th><th>Scope</th><th>Access tokens</th><th>Refresh tokens</th></tr>${grants
          .map(
            (grant) =>
              `<tr><td class="mono" title="${escapeHtml(grant.id)}">${escapeHtml(grant.id.slice(0, 8))}…</td><td class="mono">${escapeHtml(grant.accountId)}</td><td class="mono">${escapeHtml(grant.clientId)}</td><td>${escapeHtml(grant.scope || '—')}</td><td>${grant.accessTokens === 0 ? '<span class="muted">none</span>' : `${grant.accessTokens}, ${escapeHtml(until(grant.accessExp, now))}`}</td><td>${grant.refreshTokens === 0 ? '<span class="muted">none</span>' : `${grant.refreshTokens}, ${escapeHtml(until(grant.refreshExp, now))}`}</td></tr>`,
          )
          .join('')}</table>`;

  const notice = input.done === undefined ? '' : `<p class="notice" role="status">${escapeHtml(INSPECTOR_ACTIONS[input.done] ?? 'Done.')}</p>`;
  const body = `<p class="sub">Issuer <code>${escapeHtml(provider.issuer)}</code> · secrets, codes and tokens are redacted · refreshes every 2 s</p>
${notice}${actions}
<div id="live">
<ul class="stats"><li>${count(requests.length, 'request')}</li><li>${count(provider.clients.length, 'client')}</li><li>${count(provider.users.length, 'user')}</li><li>${count(grants.length, 'live grant')}</li>${jwts === 0 ? '' : `<li>${count(jwts, 'live JWT access token')}</li>`}<li>${queued === Infinity ? 'endless queued faults' : count(queued, 'queued fault')}</li></ul>
<section><h2>Requests <span class="muted">(newest first${requests.length > SHOWN_REQUESTS ? `, last ${SHOWN_REQUESTS} of ${requests.length}` : ''})</span></h2>${requestList}</section>
<section><h2>Live grants</h2>${grantTable}</section>
<div class="grid"><section><h2>Clients</h2>${clients}</section><section><h2>Users</h2>${users}</section></div>
</div>`;
  return renderHtmlPage('Mock provider inspector', body, { style: STYLE, script: { nonce: input.nonce, code: SCRIPT } });
}
