/**
 * `oauth2-testkit/nock`: serve a mock provider in-process through nock 15, and guard the user's own nock
 * replies with the provider's bearer check. Thin adapter over `src/mock-provider`: no OAuth logic here.
 *
 * nock 15 calls a reply function with the intercepted WHATWG `Request` (not `(uri, body)` as in nock ≤ 14), and
 * treats a reply function of exactly two parameters as callback-style; the functions below take one.
 */
import nock from 'nock';
import { TestkitError } from '../shared/errors.js';
import type { BearerContext, MockProvider, WithBearerOptions } from '../mock-provider/index.js';

export type { BearerContext, WithBearerOptions } from '../mock-provider/index.js';

/** `[status, body, rawHeaders]` as a nock full reply function returns it. */
export type NockReply = readonly [number, string | Buffer, string[]];

/** Every method a client may send; nock matches methods exactly, so the scope registers one interceptor each. */
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

/**
 * Sets up a persistent nock scope for the provider's issuer origin that answers every method and path by
 * calling `provider.handle()` in-process, keeping the engine's answer intact (status, each `Set-Cookie`,
 * `Location`, body). Returns the scope; remove it with `nock.cleanAll()` (or `nock.removeInterceptor` for each of
 * `scope.interceptors`) after the test. `provider.getTokens()` uses the provider's own in-process fetch, so it
 * never goes through nock and no request is handled twice.
 *
 * @example
 * const provider = await createMockProvider();
 * interceptMockProvider(provider);
 * const response = await fetch(provider.resourceUrl, { headers: { authorization: `Bearer ${token}` } });
 * afterEach(() => nock.cleanAll());
 * @see https://github.com/nock/nock#specifying-replies
 */
export function interceptMockProvider(provider: MockProvider): nock.Scope {
  const reply = async function replyFromEngine(request: unknown): Promise<NockReply> {
    return toNockReply(await provider.handle(asRequest(request)));
  };
  const issuer = new URL(provider.issuer).origin;
  const scope = nock(issuer).persist();
  for (const method of METHODS) scope.intercept(() => true, method).reply(reply);
  // A preset's endpoints at the provider's real URLs, only on their own paths: the rest of a shared host
  // (api.github.com) stays for the user's own interceptors.
  for (const { origin, path } of provider.served) {
    if (origin === issuer) continue;
    const presetScope = nock(origin).persist();
    for (const method of METHODS) presetScope.intercept((uri) => path.test(uri.split('?')[0] ?? ''), method).reply(reply);
  }
  return scope;
}

/**
 * A nock reply handler of the user's own API that only runs for a valid access token: it gets
 * `{ request, token, user }`, the same shape as the msw adapter's resolver info.
 */
export type BearerReplyHandler = (
  info: { request: Request } & BearerContext,
) =>
  | readonly [number]
  | readonly [number, nock.ReplyBody]
  | readonly [number, nock.ReplyBody, nock.ReplyHeaders]
  | Promise<readonly [number] | readonly [number, nock.ReplyBody] | readonly [number, nock.ReplyBody, nock.ReplyHeaders]>;

/**
 * Turns `handler` into a nock full reply function that first checks the `Authorization: Bearer` token against
 * `provider`: missing, malformed, unknown, expired or revoked → the same RFC 6750 401 as the provider's
 * `/api/me`; a required scope missing → 403 `insufficient_scope`; otherwise `handler({ request, token, user })` (the msw
 * adapter's shape). Uses only `provider.verifyBearer()`.
 *
 * @example
 * nock('https://api.example.com').get('/issues').reply(withBearer(provider, ({ user }) => [200, [{ owner: user.id }]]));
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function withBearer(
  provider: MockProvider,
  handler: BearerReplyHandler,
  options: WithBearerOptions = {},
): (request: unknown) => Promise<nock.ReplyFnResult> {
  return async function replyWithBearer(input: unknown): Promise<nock.ReplyFnResult> {
    const request = asRequest(input);
    const verdict = await provider.verifyBearer(request, options);
    if (!verdict.ok) return [verdict.status, verdict.body, verdict.headers];
    return handler({ request, token: verdict.token, user: verdict.user });
  };
}

function asRequest(value: unknown): Request {
  if (value instanceof Request) return value;
  throw new TestkitError('MOCK_PROVIDER', 'The nock reply function did not receive a Request; oauth2-testkit/nock needs nock 15 or later.');
}

/** Response → nock's raw header list, so repeated headers (`Set-Cookie`) stay separate lines. */
async function toNockReply(response: Response): Promise<NockReply> {
  const headers: string[] = [];
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers.push(name, value);
  });
  for (const cookie of response.headers.getSetCookie()) headers.push('set-cookie', cookie);
  return [response.status, Buffer.from(await response.arrayBuffer()), headers];
}
