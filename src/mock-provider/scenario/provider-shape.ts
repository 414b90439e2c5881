import type { KoaContext, KoaMiddleware } from 'oidc-provider';
import { renderErrorPage } from '../login/pages.js';
import type { TokenInfo } from '../resource/bearer.js';
import { ROUTES } from '../routes.js';
import { knownRequestBody, readRequestBody, replayRequestBody, RequestBodyTooLargeError, setKnownRequestBody } from '../transport/request-body.js';
import type { MockUser } from '../types.js';
import type { ErrorCondition, ProviderShapeQuirks } from './dimensions.js';
import { errorCondition, styleError } from './error-style.js';
import { answerIdentity } from './identity.js';
import { checkAuthorizeParams, REFUSED_PKCE_METHOD, rewriteFormPostRefusal, rewriteRefusal } from './authorize-params.js';
import { INTERNAL_REQUEST, SENT_HEADERS, type TaggedRequest } from './pipeline.js';
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

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * The provider-shape layer (`quirks.endpoints`, `scopeSeparator`, … see `dimensions.ts`): a Koa middleware in
 * front of the scenario pipeline, so faults, the recorder and the engine see an ordinary request. Request side:
 * a preset URL (served under the issuer at `/{host}{path}`) becomes the engine endpoint it stands for, scopes
 * are read with the provider's separator, the token request's format and client authentication are checked,
 * a policy refresh token becomes the engine's. Response side, on the engine's answer: refresh token issuance
 * and policy, the answer's fields, the error style, then the encoding. Identity endpoints are answered here.
 */
export function providerShapeMiddleware(deps: ProviderShapeDeps): KoaMiddleware {
  const quirks = deps.quirks;
  const byState = new Map<string, AuthorizationRecord>();
  const byCode = new Map<string, AuthorizationRecord>();
  const byRefresh = new Map<string, AuthorizationRecord>();
  const consented = new Set<string>();

  const observeCode = (ctx: KoaContext, record: AuthorizationRecord | undefined): void => {
    const location = header(ctx.response.headers.location as string | string[] | undefined) ?? '';
    if (location === '' || ctx.status < 300 || ctx.status >= 400) return;
    const url = URL.parse(location);
    const code = url?.searchParams.get('code');
    if (url === null || code === null || code === undefined) return;
    const found = record ?? byState.get(url.searchParams.get('state') ?? '');
    if (found !== undefined) remember(byCode, code, found);
  };

  return async (ctx, next) => {
    const req = ctx.req as TaggedRequest;
    if (req[INTERNAL_REQUEST] === true) return next();
    const matched = deps.topology?.matchIssuerPath(ctx.path);
    const role = matched?.endpoint.role ?? (ctx.path === ROUTES.token ? 'token' : ctx.path === ROUTES.authorization ? 'authorization' : undefined);
    if (role === undefined) {
      await unprefixRequest(quirks, req);
      await next();
      observeCode(ctx, undefined);
      return;
    }

    if (role === 'identity') {
      const endpoint = matched?.endpoint.identity;
      if (endpoint === undefined) return next();
      const methods = endpoint.methods ?? ['GET'];
      if (!(methods as readonly string[]).includes(ctx.method)) {
        ctx.status = 405;
        ctx.set('allow', methods.join(', '));
        ctx.body = { error: 'invalid_request', error_description: `Use ${methods.join(' or ')}.` };
        return;
      }
      const answer = await answerIdentity(
        endpoint,
        { authorization: header(ctx.headers.authorization), pathname: ctx.path, issuer: deps.issuer },
        { users: deps.users, lookup: (token) => deps.lookup(unprefixToken(quirks, token)) },
      );
      ctx.status = answer.status;
      for (const [name, value] of Object.entries(answer.headers)) ctx.set(name, value);
      ctx.body = answer.body;
      return;
    }

    if (role === 'authorization') {
      const params = new URLSearchParams(ctx.querystring);
      const read = readAuthorizeScopes(params, quirks);
      if ('refused' in read) {
        ctx.status = 400;
        ctx.type = 'html';
        ctx.body = renderErrorPage({ title: 'Authorization failed', message: `invalid_scope: ${read.refused}` });
        return;
      }
      const refusal = checkAuthorizeParams(params, quirks);
      if (refusal !== undefined) {
        if (quirks.authorizeErrorDelivery === 'page') {
          ctx.status = 400;
          ctx.type = 'html';
          ctx.body = renderErrorPage({ title: 'Authorization failed', message: `invalid_request: ${refusal}` });
          return;
        }
        // The engine checks the client and redirect_uri, then refuses this PKCE method at the redirect URI.
        params.set('code_challenge_method', REFUSED_PKCE_METHOD);
        ctx.url = `${ROUTES.authorization}?${params.toString()}`;
        await next();
        const location = header(ctx.response.headers.location as string | string[] | undefined);
        const rewritten = location === undefined ? undefined : rewriteRefusal(location, refusal);
        if (rewritten !== undefined) ctx.redirect(rewritten);
        else if (typeof ctx.body === 'string') ctx.body = rewriteFormPostRefusal(ctx.body, refusal) ?? ctx.body;
        return;
      }
      const record: AuthorizationRecord = { params: new URLSearchParams(params), scopes: read.scopes, userScopes: read.userScopes };
      const all = [...new Set([...read.scopes, ...read.userScopes])];
      if (all.length > 0) params.set('scope', all.join(' '));
      else params.delete('scope');
      if (quirks.userToken !== undefined) params.delete(quirks.userToken.scopeParam);
      const state = params.get('state');
      if (state !== null) remember(byState, state, record);
      ctx.url = `${ROUTES.authorization}?${params.toString()}`;
      await next();
      observeCode(ctx, record);
      return;
    }

    if (role === 'revocation') {
      await unprefixRequest(quirks, req);
      ctx.url = `${ROUTES.revocation}${ctx.querystring === '' ? '' : `?${ctx.querystring}`}`;
      return next();
    }

    // The token endpoint.
    const sent = req[SENT_HEADERS] ?? req.headers;
    const accept = header(sent.accept);
    let body: Buffer;
    try {
      body = await readRequestBody(req);
    } catch (error) {
      if (!(error instanceof RequestBodyTooLargeError)) throw error;
      return next();
    }
    const checked = checkTokenRequest(quirks, { contentType: header(sent['content-type']), authorization: header(req.headers.authorization), body });
    if ('condition' in checked) {
      writeError(ctx, checked.condition, checked.condition === 'badClient' ? 401 : 400, checked.error, checked.description, undefined, accept);
      return;
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
      if (verdict.kind === 'refused') {
        writeError(ctx, 'badRefresh', 400, 'invalid_grant', verdict.description, grantType, accept);
        return;
      }
      if (verdict.kind === 'replay') replayed = verdict.answer;
      else if (verdict.token !== refreshSent) {
        form.set('refresh_token', verdict.token);
        engineRefresh = verdict.token;
        changed = true;
      }
    }
    if (replayed === undefined) {
      if (changed) {
        const rewritten = Buffer.from(form.toString());
        if (checked.converted) req.headers = { ...req.headers, 'content-type': 'application/x-www-form-urlencoded' };
        replayRequestBody(req, rewritten);
        if (knownRequestBody(req) !== undefined) setKnownRequestBody(req, rewritten);
      }
      if (matched !== undefined) ctx.url = `${ROUTES.token}${ctx.querystring === '' ? '' : `?${ctx.querystring}`}`;
      await next();
    }

    const answer = replayed ?? objectBody(ctx);
    if (answer === undefined) return;
    const status = replayed === undefined ? ctx.status : 200;
    if (status >= 400 || typeof answer.error === 'string') {
      writeError(ctx, errorCondition(grantType, String(answer.error)), status, String(answer.error), String(answer.error_description ?? ''), grantType, accept);
      return;
    }
    if (typeof answer.access_token !== 'string') return;
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
    write(
      ctx,
      200,
      { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', pragma: 'no-cache' },
      prefixTokenAnswer(quirks, shaped),
      grantType,
      accept,
    );
  };

  function writeError(
    ctx: KoaContext,
    condition: ErrorCondition,
    status: number,
    error: string,
    description: string,
    grantType: string | undefined,
    accept: string | undefined,
  ): void {
    const styled = styleError(quirks, { condition, status, error, description });
    write(
      ctx,
      styled.status,
      { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...styled.headers },
      styled.body,
      grantType,
      accept,
    );
  }

  function write(
    ctx: KoaContext,
    status: number,
    headers: Record<string, string>,
    body: unknown,
    grantType: string | undefined,
    accept: string | undefined,
  ): void {
    const encoded = applyTokenResponseQuirks(
      {
        formTokenResponses: quirks.tokenResponseEncoding === 'form-unless-accept-json' || quirks.formTokenResponses === true,
        errorsAs200: quirks.errorsAs200 === true,
        omitRefreshTokenOnRefresh: quirks.omitRefreshTokenOnRefresh === true,
      },
      { status, headers, body: JSON.stringify(body) },
      { grantType, accept },
    );
    ctx.status = encoded.status;
    ctx.remove('content-length');
    for (const [name, value] of Object.entries(encoded.headers)) ctx.set(name, value);
    ctx.body = encoded.body;
  }
}

/** The grant a token request without `grant_type` stands for, when `quirks.grantTypeOptional` lists it. */
function inferGrantType(quirks: Quirks, form: URLSearchParams): string | undefined {
  const optional = quirks.grantTypeOptional;
  if (optional === undefined || form.has('grant_type')) return undefined;
  if (form.has('code')) return optional.includes('authorization_code') ? 'authorization_code' : undefined;
  if (form.has('refresh_token')) return optional.includes('refresh_token') ? 'refresh_token' : undefined;
  return undefined;
}

function objectBody(ctx: KoaContext): Record<string, unknown> | undefined {
  const raw = ctx.body as unknown;
  if (raw === null || raw === undefined) return undefined;
  if (typeof raw === 'object' && !Buffer.isBuffer(raw) && typeof (raw as { pipe?: unknown }).pipe !== 'function')
    return { ...(raw as Record<string, unknown>) };
  const text = typeof raw === 'string' ? raw : Buffer.isBuffer(raw) ? raw.toString('utf8') : undefined;
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
