import type { EngineRequest, EngineResponse, NodeHandler } from './inject.js';
import { injectRequest } from './inject.js';
import { delay, faultResponse, type EndpointName, type FaultQueue } from './scenario/faults.js';
import { applyTokenResponseQuirks, InvalidRequestError, jsonBodyToForm, type Quirks } from './scenario/quirks.js';
import { redactRequest, type RequestRecorder } from './scenario/recorder.js';
import { RESOURCE_PATH } from './defaults.js';

/** Engine paths (oidc-provider's default routes) → the endpoint names faults and recordings use. */
const ENDPOINT_PATHS: ReadonlyMap<string, EndpointName> = new Map([
  ['/auth', 'authorization'],
  ['/token', 'token'],
  ['/me', 'userinfo'],
  [RESOURCE_PATH, 'resource'],
  ['/token/revocation', 'revocation'],
  ['/token/introspection', 'introspection'],
  ['/jwks', 'jwks'],
]);

/** Endpoints that authenticate the client. */
const CLIENT_AUTH_ENDPOINTS: ReadonlySet<string> = new Set(['token', 'revocation', 'introspection']);

/**
 * A scenario route in front of the engine: answers a request itself, or returns undefined to let the engine (or
 * the next route) answer. `engine` runs a request through the engine, for routes that reuse part of its answer.
 */
export type ScenarioRoute = (
  request: EngineRequest,
  engine: (request: EngineRequest) => Promise<EngineResponse>,
) => Promise<EngineResponse | undefined>;

export interface ScenarioLayer {
  engine: NodeHandler;
  /** Tried in order before the engine (after faults and request quirks). */
  routes?: readonly ScenarioRoute[];
  faults: FaultQueue;
  recorder: RequestRecorder;
  quirks: Quirks;
}

export function endpointOf(path: string): EndpointName | 'other' {
  return ENDPOINT_PATHS.get(path) ?? 'other';
}

/**
 * The one path every request takes, whichever transport brought it (HTTP listener, `handle()`, msw, nock):
 *
 * 1. record it (secrets redacted);
 * 2. serve a queued fault for its endpoint, or wait for a delay fault and go on;
 * 3. request quirks (JSON token bodies) and client-credential normalisation;
 * 4. a scenario route (JWT access tokens at userinfo and introspection), else the engine (oidc-provider plus
 *    our Koa pre-middleware) answers;
 * 5. response quirks on the token endpoint;
 * 6. the final status goes into the recording.
 */
export async function dispatch(layer: ScenarioLayer, request: EngineRequest): Promise<EngineResponse> {
  const endpoint = endpointOf(request.url.pathname);
  const contentType = request.headers['content-type'];
  const recorded = layer.recorder.record(redactRequest({
    method: request.method,
    url: `${request.url.pathname}${request.url.search}`,
    headers: request.headers,
    body: request.body.length === 0 ? undefined : request.body.toString('utf8'),
    contentType,
    endpoint,
  }));
  const respond = (response: EngineResponse): EngineResponse => {
    recorded.status = response.status;
    return response;
  };

  if (endpoint !== 'other') {
    const fault = layer.faults.take(endpoint);
    if (fault !== undefined) {
      const answer = faultResponse(fault);
      if ('delayMs' in answer) {
        await delay(answer.delayMs);
      } else {
        return respond({ status: answer.status, headers: answer.headers, body: Buffer.from(answer.body) });
      }
    }
  }

  let engineRequest = request;
  if (endpoint === 'token' && layer.quirks.jsonTokenRequests === true && isJson(contentType)) {
    try {
      const form = jsonBodyToForm(request.body.toString('utf8'));
      engineRequest = { ...request, headers: { ...request.headers, 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from(form) };
    } catch (error) {
      if (!(error instanceof InvalidRequestError)) throw error;
      return respond(jsonAnswer(400, { error: 'invalid_request', error_description: error.message }));
    }
  }
  if (CLIENT_AUTH_ENDPOINTS.has(endpoint)) engineRequest = dropDuplicateBasicAuth(engineRequest);

  const engine = (forwarded: EngineRequest): Promise<EngineResponse> => injectRequest(layer.engine, forwarded);
  for (const route of layer.routes ?? []) {
    const answer = await route(engineRequest, engine);
    if (answer !== undefined) return respond(answer);
  }
  let response = await engine(engineRequest);

  if (endpoint === 'token' && hasAnyQuirk(layer.quirks)) {
    const grantType = new URLSearchParams(engineRequest.body.toString('utf8')).get('grant_type') ?? undefined;
    const headers = flatHeaders(response.headers);
    const answer = applyTokenResponseQuirks(layer.quirks, { status: response.status, headers, body: response.body.toString('utf8') }, { grantType, accept: request.headers.accept });
    response = { status: answer.status, headers: { ...response.headers, ...answer.headers }, body: Buffer.from(answer.body) };
    if (answer.headers['content-type'] === undefined) delete response.headers['content-type'];
  }
  return respond(response);
}

function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType.trim());
}

function hasAnyQuirk(quirks: Quirks): boolean {
  return quirks.errorsAs200 === true || quirks.formTokenResponses === true || quirks.omitRefreshTokenOnRefresh === true;
}

function flatHeaders(headers: EngineResponse['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

function jsonAnswer(status: number, body: Record<string, string>): EngineResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, body: Buffer.from(JSON.stringify(body)) };
}

/**
 * Some connectors send the client credentials twice, in `Authorization: Basic` and in the body. The engine only
 * takes one mechanism (RFC 6749 §2.3.1 "MUST NOT use more than one"); when both carry the same credentials the
 * header is dropped so the request succeeds as the connector expects. Different credentials still fail.
 */
function dropDuplicateBasicAuth(request: EngineRequest): EngineRequest {
  const authorization = request.headers.authorization;
  if (authorization === undefined || !/^basic\s/i.test(authorization)) return request;
  const form = new URLSearchParams(request.body.toString('utf8'));
  const bodySecret = form.get('client_secret');
  if (bodySecret === null) return request;
  const decoded = Buffer.from(authorization.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return request;
  const decode = (value: string): string => {
    try {
      return decodeURIComponent(value.replace(/\+/g, '%20'));
    } catch {
      return value;
    }
  };
  const headerId = decode(decoded.slice(0, colon));
  const headerSecret = decode(decoded.slice(colon + 1));
  const bodyId = form.get('client_id');
  if (headerSecret !== bodySecret || (bodyId !== null && bodyId !== headerId)) return request;
  const headers = { ...request.headers };
  delete headers.authorization;
  if (bodyId === null) {
    form.set('client_id', headerId);
    return { ...request, headers, body: Buffer.from(form.toString()) };
  }
  return { ...request, headers };
}
