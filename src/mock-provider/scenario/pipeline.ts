import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { KoaContext, KoaMiddleware } from 'oidc-provider';
import type { EngineRequest, EngineResponse } from '../transport/fetch.js';
import { knownRequestBody, readRequestBody, replayRequestBody, RequestBodyTooLargeError } from '../transport/request-body.js';
import { faultResponse, type EndpointName, type FaultQueue } from './faults.js';
import { applyTokenResponseQuirks, InvalidRequestError, jsonBodyToForm, type Quirks } from './quirks.js';
import type { Arrivals } from './arrivals.js';
import type { RequestRecorder } from './recorder.js';
import { ROUTES } from '../routes.js';
import { basicCredentials } from '../../shared/basic-auth.js';
import { NO_SCOPE, visibleScope } from '../engine/scope-policy.js';
import type { PresetRole } from './topology.js';

/** Engine paths (oidc-provider's default routes) → the endpoint names faults and recordings use. */
const ENDPOINT_PATHS: ReadonlyMap<string, EndpointName> = new Map(Object.entries(ROUTES).map(([name, path]) => [path, name as EndpointName]));

/** Endpoints that authenticate the client. */
const CLIENT_AUTH_ENDPOINTS: ReadonlySet<string> = new Set(['token', 'revocation', 'introspection']);

/** Set by a transport on the node request: the headers as the client sent them (before transport headers). */
export const SENT_HEADERS = Symbol('mock-provider.sentHeaders');
/** Set on a request the scenario layer itself sends to the engine (a route's sub-request): not a client request. */
export const INTERNAL_REQUEST = Symbol('mock-provider.internalRequest');

/** Set by {@link recordingMiddleware} on a request it has recorded: the scenario layer does not record it again. */
export const RECORDED = Symbol('mock-provider.recorded');

export interface TaggedRequest extends IncomingMessage {
  [SENT_HEADERS]?: IncomingHttpHeaders | Record<string, string>;
  [INTERNAL_REQUEST]?: boolean;
  [RECORDED]?: { status: number | undefined };
}

/**
 * A scenario route in front of the engine, for `routes` endpoints only: answers a request itself, or returns
 * undefined to let the engine answer. `engine` runs a sub-request through the engine (without the scenario layer).
 */
export interface ScenarioRoute {
  endpoints: ReadonlySet<EndpointName>;
  answer(request: EngineRequest, engine: (request: EngineRequest) => Promise<EngineResponse>): Promise<EngineResponse | undefined>;
}

export interface ScenarioLayer {
  /** The issuer's origin (absolute URLs for routes). */
  origin: string;
  /** Runs a sub-request through the engine, bypassing the scenario layer. */
  engine: (request: EngineRequest) => Promise<EngineResponse>;
  /** Tried in order before the engine (after faults and request quirks). */
  routes?: readonly ScenarioRoute[];
  faults: FaultQueue;
  recorder: RequestRecorder;
  /** Waiters of `nextRequest()`, told of each client request once it is recorded. */
  arrivals?: Arrivals;
  quirks: Quirks;
  /** Whether a store key (`RefreshToken:<value>`) went with a grant evicted by the `maxGrants` cap. */
  evicted?: (key: string) => boolean;
  maxGrants?: number;
  /** Called once the engine has answered, before the answer leaves (writes pending state). */
  settle?: () => void;
  /**
   * Token requests without client authentication: the form with the client's credentials added when the request
   * itself identifies its client (a JWT bearer assertion's `iss`, see `engine/grants.ts`), else undefined.
   */
  identifyClient?: (form: URLSearchParams, authorization: string | undefined) => URLSearchParams | undefined;
  /** The scope rules for a token request that asks for scopes itself: an OAuth error to answer, else undefined. */
  tokenScopes?: (form: URLSearchParams, authorization: string | undefined) => { error: string; error_description: string } | undefined;
}

export function endpointOf(path: string): EndpointName | 'other' {
  return ENDPOINT_PATHS.get(path) ?? 'other';
}

/**
 * The scenario layer: the first Koa middleware of the engine, so every request takes it whichever transport
 * brought it (HTTP listener on the engine's own callback, `handle()`, msw, nock):
 *
 * 1. record it (redacted when `requests` is read) and wake `nextRequest()` waiters;
 * 2. serve a queued fault for its endpoint, or wait for a delay fault and go on;
 * 3. request quirks (JSON token bodies) and client-credential normalisation, before the engine reads the body;
 * 4. a scenario route (JWT access tokens at userinfo and introspection), else the engine (oidc-provider plus
 *    our other Koa middleware) answers;
 * 5. response quirks on the token endpoint, on the engine's answer;
 * 6. the final status goes into the recording.
 */
export function scenarioMiddleware(layer: ScenarioLayer): KoaMiddleware {
  return async (ctx, next) => {
    const req = ctx.req as TaggedRequest;
    if (req[INTERNAL_REQUEST] === true) return next();
    const endpoint = endpointOf(ctx.path);
    const sent = req[SENT_HEADERS] ?? req.headers;
    const contentType = header(sent['content-type']);
    // The in-process transport knows the body: its stream stays for the engine unless a quirk rewrites the body.
    const known = knownRequestBody(req);
    let body: Buffer;
    try {
      body = known ?? (await readRequestBody(req));
    } catch (error) {
      if (!(error instanceof RequestBodyTooLargeError)) throw error;
      send(ctx, jsonAnswer(413, { error: 'invalid_request', error_description: error.message }));
      return;
    }
    const outer = req[RECORDED];
    const recorded = outer ?? layer.recorder.record({ time: Date.now(), method: ctx.method, url: ctx.url, headers: sent, body, contentType, endpoint });
    if (outer === undefined) layer.arrivals?.arrived(endpoint);
    try {
      if (endpoint !== 'other') {
        const fault = layer.faults.take(endpoint);
        if (fault !== undefined) {
          const answer = faultResponse(fault);
          if (!('delayMs' in answer)) {
            send(ctx, { status: answer.status, headers: answer.headers, body: Buffer.from(answer.body) });
            return;
          }
          await layer.faults.delay(answer.delayMs);
        }
      }

      if (endpoint === 'token' && layer.quirks.jsonTokenRequests === true && isJson(contentType)) {
        try {
          body = Buffer.from(jsonBodyToForm(body.toString('utf8')));
        } catch (error) {
          if (!(error instanceof InvalidRequestError)) throw error;
          send(ctx, jsonAnswer(400, { error: 'invalid_request', error_description: error.message }));
          return;
        }
        req.headers = { ...req.headers, 'content-type': 'application/x-www-form-urlencoded' };
      }
      if (CLIENT_AUTH_ENDPOINTS.has(endpoint)) {
        const normalized = dropDuplicateBasicAuth(req.headers, body);
        if (normalized !== undefined) {
          req.headers = normalized.headers;
          body = normalized.body;
        }
      }
      if (endpoint === 'token' && (layer.identifyClient !== undefined || layer.tokenScopes !== undefined) && isForm(header(req.headers['content-type']))) {
        // One parse of the token form for both: the client the request identifies itself, then its scopes.
        const authorization = header(req.headers.authorization);
        let form = new URLSearchParams(body.toString('utf8'));
        const identified = layer.identifyClient?.(form, authorization);
        if (identified !== undefined) {
          form = identified;
          body = Buffer.from(identified.toString());
        }
        const refused = layer.tokenScopes?.(form, authorization);
        if (refused !== undefined) {
          send(ctx, jsonAnswer(400, refused));
          return;
        }
      }
      if (body.length > 0 && body !== known) replayRequestBody(req, body);

      for (const route of layer.routes ?? []) {
        if (endpoint === 'other' || !route.endpoints.has(endpoint)) continue;
        const answer = await route.answer(engineRequest(layer, ctx, body), layer.engine);
        if (answer !== undefined) {
          send(ctx, answer);
          return;
        }
      }
      await next();
      layer.settle?.();

      hideNoScope(ctx, endpoint);
      if (endpoint === 'token' && ctx.status === 400) explainEviction(layer, ctx, body);
      if (endpoint === 'token' && hasAnyQuirk(layer.quirks)) applyResponseQuirks(layer.quirks, ctx, body, header(sent.accept));
    } finally {
      recorded.status = ctx.status;
    }
  };
}

/** Where a request under the issuer really went: the preset endpoint role, host and path (see `topology.ts`). */
export type LocateRequest = (path: string) => { role: PresetRole; host: string; path: string } | undefined;

const ROLE_ENDPOINTS: Readonly<Record<PresetRole, EndpointName | 'other'>> = {
  authorization: 'authorization',
  token: 'token',
  revocation: 'revocation',
  identity: 'other',
};

/**
 * Records every client request before any other layer sees it (used in front of the provider-shape layer, which
 * rewrites preset URLs to engine paths, rewrites bodies, and answers some errors and the identity calls itself):
 * the request as the client sent it, at the preset host and path it called, with the status it finally got.
 * The scenario layer then leaves recording to it.
 */
export function recordingMiddleware(layer: Pick<ScenarioLayer, 'recorder' | 'arrivals'>, locate: LocateRequest): KoaMiddleware {
  return async (ctx, next) => {
    const req = ctx.req as TaggedRequest;
    if (req[INTERNAL_REQUEST] === true) return next();
    let body: Buffer;
    try {
      body = knownRequestBody(req) ?? (await readRequestBody(req));
    } catch (error) {
      // Too large: the scenario layer answers (and records) it.
      if (!(error instanceof RequestBodyTooLargeError)) throw error;
      return next();
    }
    const sent = req[SENT_HEADERS] ?? req.headers;
    const located = locate(ctx.path);
    const endpoint = located === undefined ? endpointOf(ctx.path) : ROLE_ENDPOINTS[located.role];
    const recorded = layer.recorder.record({
      time: Date.now(),
      method: ctx.method,
      url: located === undefined ? ctx.url : `${located.path}${ctx.querystring === '' ? '' : `?${ctx.querystring}`}`,
      headers: sent,
      body,
      contentType: header(sent['content-type']),
      endpoint,
      ...(located === undefined ? {} : { host: located.host }),
    });
    req[RECORDED] = recorded;
    layer.arrivals?.arrived(endpoint);
    try {
      await next();
    } finally {
      recorded.status = ctx.status;
    }
  };
}

/** Discovery of the engine's own metadata (OpenID Connect and RFC 8414 paths). */
const DISCOVERY_PATHS: ReadonlySet<string> = new Set(['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']);

/** Removes the internal {@link NO_SCOPE} from the answers that show scopes: token, introspection, discovery. */
function hideNoScope(ctx: KoaContext, endpoint: EndpointName | 'other'): void {
  const answer = ctx.body as Record<string, unknown> | undefined;
  if (typeof answer !== 'object' || answer === null || Buffer.isBuffer(answer) || isStream(answer)) return;
  if ((endpoint === 'token' || endpoint === 'introspection') && typeof answer.scope === 'string' && answer.scope.includes(NO_SCOPE)) {
    const { scope, ...rest } = answer;
    const visible = visibleScope(scope);
    ctx.body = visible === '' ? rest : { ...rest, scope: visible };
  } else if (DISCOVERY_PATHS.has(ctx.path) && Array.isArray(answer.scopes_supported)) {
    ctx.body = { ...answer, scopes_supported: answer.scopes_supported.filter((scope) => scope !== NO_SCOPE) };
  }
}

function applyResponseQuirks(quirks: Quirks, ctx: KoaContext, body: Buffer, accept: string | undefined): void {
  const raw = ctx.body;
  const text =
    typeof raw === 'string'
      ? raw
      : Buffer.isBuffer(raw)
        ? raw.toString('utf8')
        : raw !== null && typeof raw === 'object' && !isStream(raw)
          ? JSON.stringify(raw)
          : undefined;
  if (text === undefined) return;
  const grantType = new URLSearchParams(body.toString('utf8')).get('grant_type') ?? undefined;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(ctx.response.headers)) {
    if (typeof value === 'string') headers[name] = value;
  }
  const response = { status: ctx.status, headers, body: text };
  const answer = applyTokenResponseQuirks(quirks, response, { grantType, accept });
  if (answer === response) return;
  const contentType = answer.headers['content-type'];
  ctx.body = answer.body;
  ctx.status = answer.status;
  if (contentType === undefined) ctx.remove('content-type');
  else ctx.set('content-type', contentType);
}

/**
 * An `invalid_grant` for a code or refresh token whose grant the `maxGrants` cap evicted: the engine only knows the
 * token is gone, so the description says why and what to do.
 */
function explainEviction(layer: ScenarioLayer, ctx: KoaContext, body: Buffer): void {
  const answer = ctx.body as { error?: unknown } | undefined;
  if (layer.evicted === undefined || typeof answer !== 'object' || answer === null || answer.error !== 'invalid_grant') return;
  const form = new URLSearchParams(body.toString('utf8'));
  const grantType = form.get('grant_type');
  const key =
    grantType === 'refresh_token'
      ? `RefreshToken:${form.get('refresh_token') ?? ''}`
      : grantType === 'authorization_code'
        ? `AuthorizationCode:${form.get('code') ?? ''}`
        : undefined;
  if (key === undefined || !layer.evicted(key)) return;
  const what = grantType === 'refresh_token' ? 'refresh token' : 'authorization code';
  ctx.body = {
    ...answer,
    error_description: `the ${what} was dropped because its grant was evicted: this mock provider keeps at most ${layer.maxGrants ?? 'a fixed number of'} grants (maxGrants); raise maxGrants or create fewer grants per test`,
  };
}

function isStream(value: object): boolean {
  return typeof (value as { pipe?: unknown }).pipe === 'function';
}

/** Writes a complete answer (a fault, a route's) in place of the engine's. */
function send(ctx: KoaContext, response: EngineResponse): void {
  ctx.status = response.status;
  for (const [name, value] of Object.entries(response.headers)) {
    if (name === 'content-length' || name === 'transfer-encoding' || name === 'connection' || name === 'keep-alive' || name === 'date') continue;
    ctx.set(name, value);
  }
  ctx.body = response.body;
  if (response.headers['content-type'] === undefined) ctx.remove('content-type');
}

/** The request as a route sees it: absolute URL on the issuer, headers after request quirks. */
function engineRequest(layer: ScenarioLayer, ctx: KoaContext, body: Buffer): EngineRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(ctx.req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(name === 'cookie' ? '; ' : ', ') : value;
  }
  return { method: ctx.method, url: new URL(ctx.url, layer.origin), headers, body, remoteAddress: ctx.req.socket?.remoteAddress ?? '127.0.0.1' };
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function isForm(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/x-www-form-urlencoded\b/i.test(contentType.trim());
}

function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType.trim());
}

function hasAnyQuirk(quirks: Quirks): boolean {
  return quirks.errorsAs200 === true || quirks.formTokenResponses === true || quirks.omitRefreshTokenOnRefresh === true;
}

function jsonAnswer(status: number, body: Record<string, string>): EngineResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, body: Buffer.from(JSON.stringify(body)) };
}

/**
 * Some connectors send the client credentials twice, in `Authorization: Basic` and in the body. The engine only
 * takes one mechanism (RFC 6749 §2.3.1 "MUST NOT use more than one"); when both carry the same credentials the
 * header is dropped so the request succeeds as the connector expects. Different credentials still fail.
 * Returns undefined when nothing changes.
 */
function dropDuplicateBasicAuth(headers: IncomingHttpHeaders, body: Buffer): { headers: IncomingHttpHeaders; body: Buffer } | undefined {
  const authorization = headers.authorization;
  if (authorization === undefined || !/^basic\s/i.test(authorization)) return undefined;
  const form = new URLSearchParams(body.toString('utf8'));
  const bodySecret = form.get('client_secret');
  if (bodySecret === null) return undefined;
  const credentials = basicCredentials(authorization);
  if (credentials === undefined) return undefined;
  const { id: headerId, secret: headerSecret } = credentials;
  const bodyId = form.get('client_id');
  if (headerSecret !== bodySecret || (bodyId !== null && bodyId !== headerId)) return undefined;
  const without = { ...headers };
  delete without.authorization;
  if (bodyId === null) {
    form.set('client_id', headerId);
    return { headers: without, body: Buffer.from(form.toString()) };
  }
  return { headers: without, body };
}
