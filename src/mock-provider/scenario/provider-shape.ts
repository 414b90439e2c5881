import { renderErrorPage } from '../login/pages.js';
import type { TokenInfo } from '../resource/bearer.js';
import { ROUTES } from '../routes.js';
import type { EngineRequest, EngineResponse } from '../transport/fetch.js';
import type { MockUser } from '../types.js';
import type { ErrorCondition, ProviderShapeQuirks } from './dimensions.js';
import { errorCondition, styleError } from './error-style.js';
import { answerIdentity } from './identity.js';
import { checkAuthorizeParams, REFUSED_PKCE_METHOD, rewriteFormPostRefusal, rewriteRefusal } from './authorize-params.js';
import { jsonObject, type ScenarioStep } from './pipeline.js';
import { applyTokenResponseQuirks, type Quirks } from './quirks.js';
import { refreshTokenIssued } from './refresh-issuance.js';
import type { RefreshFamilies } from './refresh-policy.js';
import { readAuthorizeScopes } from './scope-format.js';
import { prefixTokenAnswer, unprefixRequest, unprefixToken } from './token-prefix.js';
import { checkTokenRequest } from './token-request-format.js';
import { shapeTokenAnswer } from './token-response-shape.js';
import { userContext } from './template.js';
import type { Topology } from './topology.js';

/** Every key of `quirks` that shapes answers like a provider (the older boolean quirks are handled by the pipeline). */
const SHAPE_KEYS: readonly (keyof ProviderShapeQuirks)[] = [
  'endpoints',
  'scopeSeparator',
  'userToken',
  'requiredAuthorizeParams',
  'forbiddenAuthorizeParams',
  'authorizeErrorDelivery',
  'refreshTokenWhen',
  'refreshTokenFirstConsentOnly',
  'tokenRequestFormats',
  'clientAuth',
  'grantTypeOptional',
  'tokenResponseEncoding',
  'okEnvelope',
  'tokenType',
  'accessTokenPrefix',
  'refreshTokenPrefix',
  'expiresIn',
  'responseScope',
  'extraTokenFields',
  'refreshTokenFields',
  'refreshResponseFields',
  'errorStyle',
  'refreshPolicy',
];

/** Whether `quirks` uses a provider-shape dimension (then this layer owns every token answer transform). */
export function hasProviderShape(quirks: Quirks): boolean {
  return SHAPE_KEYS.some((key) => quirks[key] !== undefined);
}

export interface ProviderShapeDeps {
  quirks: Quirks;
  topology: Topology | undefined;
  issuer: string;
  lookup: (token: string) => Promise<TokenInfo | undefined>;
  users: () => readonly MockUser[];
  refresh: RefreshFamilies | undefined;
}

/** What an authorization request asked for, kept for its code's exchange (and the refreshes after it). */
interface AuthorizationRecord {
  params: URLSearchParams;
  scopes: string[];
  userScopes: string[];
}

/** Most authorization records kept (oldest dropped): a test makes a handful. */
const MAX_RECORDS = 1000;

function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.set(key, value);
  if (map.size > MAX_RECORDS) {
    const oldest = map.keys().next().value as K;
    map.delete(oldest);
  }
}

/**
 * The provider-shape layer (`quirks.endpoints`, `scopeSeparator`, … see `dimensions.ts`): the first step of the
 * scenario pipeline, around faults, quirks and the engine, so they see an ordinary request. Request side: a preset
 * URL (served under the issuer at `/{host}{path}`) becomes the engine endpoint it stands for, scopes are read with
 * the provider's separator, the token request's format and client authentication are checked, a policy refresh
 * token becomes the engine's. Response side, on the engine's answer: refresh token issuance and policy, the
 * answer's fields, the error style, then the encoding. Identity endpoints are answered here.
 */
export function providerShape(deps: ProviderShapeDeps): ScenarioStep {
  const quirks = deps.quirks;
  const byState = new Map<string, AuthorizationRecord>();
  const byCode = new Map<string, AuthorizationRecord>();
  const byRefresh = new Map<string, AuthorizationRecord>();
  const consented = new Set<string>();

  const observeCode = (response: EngineResponse, record: AuthorizationRecord | undefined): void => {
    const location = locationOf(response) ?? '';
    if (location === '' || response.status < 300 || response.status >= 400) return;
    const url = URL.parse(location);
    const code = url?.searchParams.get('code');
    if (url === null || code === null || code === undefined) return;
    const found = record ?? byState.get(url.searchParams.get('state') ?? '');
    if (found !== undefined) remember(byCode, code, found);
  };

  return async (request, next) => {
    const path = request.url.pathname;
    const matched = deps.topology?.matchIssuerPath(path);
    const role = matched?.endpoint.role ?? (path === ROUTES.token ? 'token' : path === ROUTES.authorization ? 'authorization' : undefined);
    if (role === undefined) {
      const response = await next(unprefixRequest(quirks, request));
      observeCode(response, undefined);
      return response;
    }

    if (role === 'identity') {
      const endpoint = matched?.endpoint.identity;
      if (endpoint === undefined) return next(request);
      const methods = endpoint.methods ?? ['GET'];
      if (!(methods as readonly string[]).includes(request.method)) {
        const refusal = { error: 'invalid_request', error_description: `Use ${methods.join(' or ')}.` };
        return { status: 405, headers: { allow: methods.join(', '), 'content-type': JSON_TYPE }, body: Buffer.from(JSON.stringify(refusal)) };
      }
      const answer = await answerIdentity(
        endpoint,
        { authorization: request.headers.authorization, pathname: path, issuer: deps.issuer },
        { users: deps.users, lookup: (token) => deps.lookup(unprefixToken(quirks, token)) },
      );
      return textAnswer(answer.status, answer.headers, answer.body);
    }

    if (role === 'authorization') {
      const params = new URLSearchParams(request.url.search);
      const read = readAuthorizeScopes(params, quirks);
      if ('refused' in read) return htmlAnswer(400, renderErrorPage({ title: 'Authorization failed', message: `invalid_scope: ${read.refused}` }));
      const refusal = checkAuthorizeParams(params, quirks);
      if (refusal !== undefined) {
        if (quirks.authorizeErrorDelivery === 'page')
          return htmlAnswer(400, renderErrorPage({ title: 'Authorization failed', message: `invalid_request: ${refusal}` }));
        // The engine checks the client and redirect_uri, then refuses this PKCE method at the redirect URI.
        params.set('code_challenge_method', REFUSED_PKCE_METHOD);
        const response = await next(at(request, ROUTES.authorization, params.toString()));
        const location = locationOf(response);
        const rewritten = location === undefined ? undefined : rewriteRefusal(location, refusal);
        if (rewritten !== undefined) return redirect(response, rewritten, request.headers.accept);
        if (location === undefined && response.body.length > 0) {
          const page = rewriteFormPostRefusal(response.body.toString('utf8'), refusal);
          if (page !== undefined) return { ...response, body: Buffer.from(page) };
        }
        return response;
      }
      const record: AuthorizationRecord = { params: new URLSearchParams(params), scopes: read.scopes, userScopes: read.userScopes };
      const all = [...new Set([...read.scopes, ...read.userScopes])];
      if (all.length > 0) params.set('scope', all.join(' '));
      else params.delete('scope');
      if (quirks.userToken !== undefined) params.delete(quirks.userToken.scopeParam);
      const state = params.get('state');
      if (state !== null) remember(byState, state, record);
      const response = await next(at(request, ROUTES.authorization, params.toString()));
      observeCode(response, record);
      return response;
    }

    if (role === 'revocation') return next(at(unprefixRequest(quirks, request), ROUTES.revocation, request.url.search.slice(1)));

    // The token endpoint.
    const accept = request.headers.accept;
    const checked = checkTokenRequest(quirks, {
      contentType: request.headers['content-type'],
      authorization: request.headers.authorization,
      body: request.body,
    });
    if ('condition' in checked) {
      return writeError(undefined, checked.condition, checked.condition === 'badClient' ? 401 : 400, checked.error, checked.description, undefined, accept);
    }
    const form = new URLSearchParams(checked.body.toString('utf8'));
    let changed = checked.converted;
    const inferred = inferGrantType(quirks, form);
    if (inferred !== undefined) {
      form.set('grant_type', inferred);
      changed = true;
    }
    const grantType = form.get('grant_type') ?? undefined;
    const presented = form.get('refresh_token');
    if (presented !== null && unprefixToken(quirks, presented) !== presented) {
      form.set('refresh_token', unprefixToken(quirks, presented));
      changed = true;
    }
    const refreshSent = grantType === 'refresh_token' ? (form.get('refresh_token') ?? undefined) : undefined;
    let engineRefresh = refreshSent;
    let replayed: Record<string, unknown> | undefined;
    if (refreshSent !== undefined && deps.refresh !== undefined) {
      const verdict = deps.refresh.check(refreshSent);
      if (verdict.kind === 'refused') return writeError(undefined, 'badRefresh', 400, 'invalid_grant', verdict.description, grantType, accept);
      if (verdict.kind === 'replay') replayed = verdict.answer;
      else if (verdict.token !== refreshSent) {
        form.set('refresh_token', verdict.token);
        engineRefresh = verdict.token;
        changed = true;
      }
    }
    let response: EngineResponse | undefined;
    if (replayed === undefined) {
      let forEngine = request;
      if (changed) {
        const headers = checked.converted ? { ...request.headers, 'content-type': 'application/x-www-form-urlencoded' } : request.headers;
        forEngine = { ...request, headers, body: Buffer.from(form.toString()) };
      }
      if (matched !== undefined) forEngine = at(forEngine, ROUTES.token, request.url.search.slice(1));
      response = await next(forEngine);
    }

    const answer = replayed ?? (response === undefined ? undefined : jsonObject(response));
    if (answer === undefined) return response as EngineResponse;
    const status = response === undefined ? 200 : response.status;
    if (status >= 400 || typeof answer.error === 'string') {
      return writeError(
        response,
        errorCondition(grantType, String(answer.error)),
        status,
        String(answer.error),
        String(answer.error_description ?? ''),
        grantType,
        accept,
      );
    }
    if (typeof answer.access_token !== 'string') return response as EngineResponse;
    const info = await deps.lookup(answer.access_token);
    const granted = info?.scopes ?? [];
    const record = grantType === 'authorization_code' ? byCode.get(form.get('code') ?? '') : byRefresh.get(engineRefresh ?? '');
    const accessToken = answer.access_token;

    if (replayed === undefined) {
      if (grantType === 'authorization_code' && typeof answer.refresh_token === 'string') {
        const key = `${info?.clientId ?? ''}\u0000${info?.accountId ?? ''}`;
        if (!refreshTokenIssued(quirks, { authorize: record?.params, granted, consentedBefore: consented.has(key) })) {
          delete answer.refresh_token;
        } else {
          consented.add(key);
          if (record !== undefined) remember(byRefresh, answer.refresh_token, record);
          if (deps.refresh?.rotates === true) answer.refresh_token = deps.refresh.issue(answer.refresh_token, accessToken);
        }
      } else if (grantType === 'refresh_token' && refreshSent !== undefined && quirks.refreshPolicy !== undefined) {
        if (quirks.refreshPolicy.mode === 'static') {
          if (quirks.refreshPolicy.echo === false) delete answer.refresh_token;
          else answer.refresh_token = refreshSent;
        } else {
          const next = deps.refresh?.rotated(refreshSent, accessToken, answer);
          if (next !== undefined) answer.refresh_token = next;
        }
      }
    }

    // With a user-token parameter (Slack), the granted scopes split back into the two lists the client asked for.
    const split = record !== undefined && record.userScopes.length > 0;
    const scopes = split ? granted.filter((scope) => record.scopes.includes(scope)) : granted;
    const userScopes = split ? granted.filter((scope) => record.userScopes.includes(scope)) : [];
    const user = deps.users().find((candidate) => candidate.id === info?.accountId);
    const now = Date.now();
    const shaped = shapeTokenAnswer(quirks, answer, {
      grantType,
      scopes,
      userScopes,
      template: {
        now: Math.floor(now / 1000),
        nowMs: now,
        issuer: deps.issuer,
        client_id: info?.clientId,
        expires_in: answer.expires_in,
        user: userContext(user ?? (info === undefined ? undefined : { id: info.accountId, claims: {} })),
      },
    });
    return write(
      response,
      200,
      { 'content-type': JSON_TYPE, 'cache-control': 'no-store', pragma: 'no-cache' },
      prefixTokenAnswer(quirks, shaped),
      grantType,
      accept,
    );
  };

  function writeError(
    engine: EngineResponse | undefined,
    condition: ErrorCondition,
    status: number,
    error: string,
    description: string,
    grantType: string | undefined,
    accept: string | undefined,
  ): EngineResponse {
    const styled = styleError(quirks, { condition, status, error, description });
    return write(engine, styled.status, { 'content-type': JSON_TYPE, 'cache-control': 'no-store', ...styled.headers }, styled.body, grantType, accept);
  }

  /** The token answer in the provider's encoding, over the engine's headers when it answered. */
  function write(
    engine: EngineResponse | undefined,
    status: number,
    headers: Record<string, string>,
    body: unknown,
    grantType: string | undefined,
    accept: string | undefined,
  ): EngineResponse {
    const encoded = applyTokenResponseQuirks(
      {
        formTokenResponses: quirks.tokenResponseEncoding === 'form-unless-accept-json' || quirks.formTokenResponses === true,
        errorsAs200: quirks.errorsAs200 === true,
        omitRefreshTokenOnRefresh: quirks.omitRefreshTokenOnRefresh === true,
      },
      { status, headers, body: JSON.stringify(body) },
      { grantType, accept },
    );
    const base = { ...(engine?.headers ?? {}) };
    delete base['content-length'];
    return textAnswer(encoded.status, { ...base, ...encoded.headers }, encoded.body);
  }
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** The request at another engine path (its query `search`, without `?`). */
function at(request: EngineRequest, path: string, search: string): EngineRequest {
  return { ...request, url: new URL(`${path}${search === '' ? '' : `?${search}`}`, request.url.origin) };
}

function locationOf(response: EngineResponse): string | undefined {
  const value = response.headers.location;
  return Array.isArray(value) ? value.join(', ') : value;
}

/** A text answer typed as Koa types a string body without a content type: HTML when it starts with `<`, else plain text. */
function textAnswer(status: number, headers: Record<string, string | string[]>, body: string): EngineResponse {
  const typed = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
  const contentType = typed ? {} : { 'content-type': /^\s*</.test(body) ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8' };
  return { status, headers: { ...headers, ...contentType }, body: Buffer.from(body) };
}

function htmlAnswer(status: number, page: string): EngineResponse {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8' }, body: Buffer.from(page) };
}

/** The engine's redirect sent to `location` instead, with the short body Koa's `redirect()` writes. */
function redirect(response: EngineResponse, location: string, accept: string | undefined): EngineResponse {
  const url = /^https?:\/\//i.test(location) ? new URL(location).toString() : location;
  const html = accept === undefined || /\*\/\*|html/i.test(accept);
  const headers: Record<string, string | string[]> = { ...response.headers, location: url };
  delete headers['content-length'];
  headers['content-type'] = html ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8';
  const text = html ? url.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`) : url;
  const status = response.status >= 300 && response.status < 400 ? response.status : 302;
  return { status, headers, body: Buffer.from(`Redirecting to ${text}.`) };
}

/** The grant a token request without `grant_type` stands for, when `quirks.grantTypeOptional` lists it. */
function inferGrantType(quirks: Quirks, form: URLSearchParams): string | undefined {
  const optional = quirks.grantTypeOptional;
  if (optional === undefined || form.has('grant_type')) return undefined;
  if (form.has('code')) return optional.includes('authorization_code') ? 'authorization_code' : undefined;
  if (form.has('refresh_token')) return optional.includes('refresh_token') ? 'refresh_token' : undefined;
  return undefined;
}
