import type { EngineEntry, EngineRequest, EngineResponse } from '../transport/fetch.js';
import { faultResponse, type EndpointName, type FaultQueue } from './faults.js';
import { applyTokenResponseQuirks, InvalidRequestError, jsonBodyToForm, type Quirks } from './quirks.js';
import type { Arrivals } from './arrivals.js';
import type { RequestRecorder } from './recorder.js';
import { ROUTES } from '../routes.js';
import { basicCredentials } from '../../shared/basic-auth.js';
import { NO_SCOPE, visibleScope } from '../engine/scope-policy.js';
import { RequestBodyTooLargeError } from '../transport/request-body.js';
import type { PresetRole } from './topology.js';

/** Engine paths (oidc-provider's default routes) → the endpoint names faults and recordings use. */
const ENDPOINT_PATHS: ReadonlyMap<string, EndpointName> = new Map(Object.entries(ROUTES).map(([name, path]) => [path, name as EndpointName]));

/** Endpoints that authenticate the client. */
const CLIENT_AUTH_ENDPOINTS: ReadonlySet<string> = new Set(['token', 'revocation', 'introspection']);

/**
 * A scenario route in front of the engine, for `routes` endpoints only: answers a request itself, or returns
 * undefined to let the engine answer. `engine` is the raw engine call (without the scenario layer).
 */
export interface ScenarioRoute {
  endpoints: ReadonlySet<EndpointName>;
  answer(request: EngineRequest, engine: EngineEntry): Promise<EngineResponse | undefined>;
}

/** A step around the rest of the pipeline (the provider shape): may rewrite the request, answer it, or reshape the answer. */
export type ScenarioStep = (request: EngineRequest, next: EngineEntry) => Promise<EngineResponse>;

/** Where a request under the issuer really went: the preset endpoint role, host and path (see `topology.ts`). */
export type LocateRequest = (path: string) => { role: PresetRole; host: string; path: string } | undefined;

export interface ScenarioLayer {
  /** The engine itself: oidc-provider's callback and our Koa middleware in it, without the scenario layer. */
  engine: EngineEntry;
  /** Tried in order before the engine (after faults and request quirks). */
  routes?: readonly ScenarioRoute[];
  faults: FaultQueue;
  recorder: RequestRecorder;
  /** Waiters of `nextRequest()`, told of each client request once it is recorded. */
  arrivals?: Arrivals;
  quirks: Quirks;
  /** The provider shape (a preset): runs first, around faults, quirks and the engine. */
  shape?: ScenarioStep;
  /** A preset URL's role, host and path, for the recording (the request as the client addressed it). */
  locate?: LocateRequest;
  /** Whether a store key (`RefreshToken:<value>`) went with a grant evicted by the `maxGrants` cap. */
  evicted?: (key: string) => boolean;
  maxGrants?: number;
  /** Called once the answer is complete, before it leaves (writes pending state: the engine's tokens, refresh aliases). */
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

const ROLE_ENDPOINTS: Readonly<Record<PresetRole, EndpointName | 'other'>> = {
  authorization: 'authorization',
  token: 'token',
  revocation: 'revocation',
  identity: 'other',
};

/**
 * The scenario layer: the one entry every transport calls (HTTP listener, `handle()`, msw, nock, undici), in order:
 *
 * 1. a body over the cap gets 413; else record the request as the client sent it and wake `nextRequest()` waiters;
 * 2. the provider shape's request side (a preset: its URL to the engine endpoint, its token request format…);
 * 3. a queued fault for the endpoint, or a `delayMs` wait and go on;
 * 4. request quirks (JSON token bodies), duplicate client-auth normalisation, the client a JWT assertion names,
 *    the token request's scopes;
 * 5. a scenario route (JWT access tokens at userinfo and introspection), else one call of the engine;
 * 6. the engine's answer: the internal "no scope" hidden, the `maxGrants` eviction explained, response quirks;
 * 7. the provider shape's response side (refresh policy, fields, error style, encoding);
 * 8. pending state written (`settle`), the final status into the recording, and the answer leaves.
 */
export function scenarioEntry(layer: ScenarioLayer): EngineEntry {
  const core: EngineEntry = (request) => aroundEngine(layer, request);
  const shape = layer.shape;
  const shaped: EngineEntry = shape === undefined ? core : (request) => shape(request, core);
  return async (request) => {
    // Refused before anything reads it (not recorded, as no layer could read its body).
    if (request.bodyTooLarge === true) return complete(jsonAnswer(413, { error: 'invalid_request', error_description: TOO_LARGE }), request.method);
    const recorded = record(layer, request);
    let status = 500;
    try {
      const response = await shaped(request);
      layer.settle?.();
      status = response.status;
      return complete(response, request.method);
    } finally {
      recorded.status = status;
    }
  };
}

const TOO_LARGE = new RequestBodyTooLargeError().message;

/** Step 1: the recording, at the preset host and path the client called. */
function record(layer: ScenarioLayer, request: EngineRequest): { status: number | undefined } {
  const path = request.url.pathname;
  const located = layer.locate?.(path);
  const endpoint = located === undefined ? endpointOf(path) : ROLE_ENDPOINTS[located.role];
  const recorded = layer.recorder.record({
    time: Date.now(),
    method: request.method,
    url: `${located === undefined ? path : located.path}${request.url.search}`,
    headers: request.headers,
    body: request.body,
    contentType: request.headers['content-type'],
    endpoint,
    ...(located === undefined ? {} : { host: located.host }),
  });
  layer.arrivals?.arrived(endpoint);
  return recorded;
}

/** Steps 3 to 6, on a request at an engine path. */
async function aroundEngine(layer: ScenarioLayer, request: EngineRequest): Promise<EngineResponse> {
  const endpoint = endpointOf(request.url.pathname);
  if (endpoint !== 'other') {
    const fault = layer.faults.take(endpoint);
    if (fault !== undefined) {
      const answer = faultResponse(fault);
      if (!('delayMs' in answer)) return { status: answer.status, headers: { ...answer.headers }, body: Buffer.from(answer.body) };
      await layer.faults.delay(answer.delayMs);
    }
  }
  const prepared = prepareRequest(layer, endpoint, request);
  if ('status' in prepared) return prepared;
  for (const route of layer.routes ?? []) {
    if (endpoint === 'other' || !route.endpoints.has(endpoint)) continue;
    const answer = await route.answer(prepared, layer.engine);
    if (answer !== undefined) return answer;
  }
  let response = await layer.engine(prepared);
  response = hideNoScope(endpoint, prepared.url.pathname, response);
  if (endpoint === 'token' && response.status === 400) response = explainEviction(layer, prepared.body, response);
  if (endpoint === 'token' && hasAnyQuirk(layer.quirks)) response = applyResponseQuirks(layer.quirks, prepared, response);
  return response;
}

/** Step 4: the request the engine gets, or the answer that refuses it. */
function prepareRequest(layer: ScenarioLayer, endpoint: EndpointName | 'other', request: EngineRequest): EngineRequest | EngineResponse {
  let headers = request.headers;
  let body = request.body;
  if (endpoint === 'token' && layer.quirks.jsonTokenRequests === true && isJson(headers['content-type'])) {
    try {
      body = Buffer.from(jsonBodyToForm(body.toString('utf8')));
    } catch (error) {
      if (!(error instanceof InvalidRequestError)) throw error;
      return jsonAnswer(400, { error: 'invalid_request', error_description: error.message });
    }
    headers = { ...headers, 'content-type': 'application/x-www-form-urlencoded' };
  }
  if (CLIENT_AUTH_ENDPOINTS.has(endpoint)) {
    const normalized = dropDuplicateBasicAuth(headers, body);
    if (normalized !== undefined) {
      headers = normalized.headers;
      body = normalized.body;
    }
  }
  if (endpoint === 'token' && (layer.identifyClient !== undefined || layer.tokenScopes !== undefined) && isForm(headers['content-type'])) {
    // One parse of the token form for both: the client the request identifies itself, then its scopes.
    const authorization = headers.authorization;
    let form = new URLSearchParams(body.toString('utf8'));
    const identified = layer.identifyClient?.(form, authorization);
    if (identified !== undefined) {
      form = identified;
      body = Buffer.from(identified.toString());
    }
    const refused = layer.tokenScopes?.(form, authorization);
    if (refused !== undefined) return jsonAnswer(400, refused);
  }
  return headers === request.headers && body === request.body ? request : { ...request, headers, body };
}

/** Step 8: the answer as every transport sends it: its length from its (possibly rewritten) body, no hop-by-hop headers. */
function complete(response: EngineResponse, method: string): EngineResponse {
  const headers = { ...response.headers };
  delete headers['transfer-encoding'];
  delete headers.connection;
  delete headers['keep-alive'];
  delete headers.date;
  if (method !== 'HEAD' && response.status !== 204 && response.status !== 304) headers['content-length'] = String(response.body.length);
  return { status: response.status, headers, body: response.body };
}

/** The answer's JSON object, else undefined. */
export function jsonObject(response: EngineResponse): Record<string, unknown> | undefined {
  if (response.body.length === 0) return undefined;
  try {
    const value = JSON.parse(response.body.toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The answer with `value` as its JSON body. */
function withJson(response: EngineResponse, value: unknown): EngineResponse {
  return { ...response, body: Buffer.from(JSON.stringify(value)) };
}

/** Discovery of the engine's own metadata (OpenID Connect and RFC 8414 paths). */
const DISCOVERY_PATHS: ReadonlySet<string> = new Set(['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']);

/** Removes the internal {@link NO_SCOPE} from the answers that show scopes: token, introspection, discovery. */
function hideNoScope(endpoint: EndpointName | 'other', path: string, response: EngineResponse): EngineResponse {
  const scoped = endpoint === 'token' || endpoint === 'introspection';
  if ((!scoped && !DISCOVERY_PATHS.has(path)) || !response.body.includes(NO_SCOPE)) return response;
  const answer = jsonObject(response);
  if (answer === undefined) return response;
  if (scoped && typeof answer.scope === 'string' && answer.scope.includes(NO_SCOPE)) {
    const { scope, ...rest } = answer;
    const visible = visibleScope(scope);
    return withJson(response, visible === '' ? rest : { ...rest, scope: visible });
  }
  if (!scoped && Array.isArray(answer.scopes_supported)) {
    return withJson(response, { ...answer, scopes_supported: answer.scopes_supported.filter((scope) => scope !== NO_SCOPE) });
  }
  return response;
}

function applyResponseQuirks(quirks: Quirks, request: EngineRequest, response: EngineResponse): EngineResponse {
  const grantType = new URLSearchParams(request.body.toString('utf8')).get('grant_type') ?? undefined;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (typeof value === 'string') headers[name] = value;
  }
  const text = { status: response.status, headers, body: response.body.toString('utf8') };
  const answer = applyTokenResponseQuirks(quirks, text, { grantType, accept: request.headers.accept });
  if (answer === text) return response;
  const out = { ...response.headers };
  const contentType = answer.headers['content-type'];
  if (contentType === undefined) delete out['content-type'];
  else out['content-type'] = contentType;
  return { status: answer.status, headers: out, body: Buffer.from(answer.body) };
}

/**
 * An `invalid_grant` for a code or refresh token whose grant the `maxGrants` cap evicted: the engine only knows the
 * token is gone, so the description says why and what to do.
 */
function explainEviction(layer: ScenarioLayer, body: Buffer, response: EngineResponse): EngineResponse {
  if (layer.evicted === undefined) return response;
  const answer = jsonObject(response);
  if (answer === undefined || answer.error !== 'invalid_grant') return response;
  const form = new URLSearchParams(body.toString('utf8'));
  const grantType = form.get('grant_type');
  const key =
    grantType === 'refresh_token'
      ? `RefreshToken:${form.get('refresh_token') ?? ''}`
      : grantType === 'authorization_code'
        ? `AuthorizationCode:${form.get('code') ?? ''}`
        : undefined;
  if (key === undefined || !layer.evicted(key)) return response;
  const what = grantType === 'refresh_token' ? 'refresh token' : 'authorization code';
  return withJson(response, {
    ...answer,
    error_description: `the ${what} was dropped because its grant was evicted: this mock provider keeps at most ${layer.maxGrants ?? 'a fixed number of'} grants (maxGrants); raise maxGrants or create fewer grants per test`,
  });
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
function dropDuplicateBasicAuth(headers: Record<string, string>, body: Buffer): { headers: Record<string, string>; body: Buffer } | undefined {
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
