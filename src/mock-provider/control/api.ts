/**
 * The control API's operations: one per scenario control of the handle, each taking the request's parsed JSON
 * and answering JSON. A bad field throws {@link ControlInputError}, which the routes turn into a 400 naming it.
 */
import { TestkitError } from '../../shared/errors.js';
import { isMockProviderOptionsError } from '../options-error.js';
import { ENDPOINTS, type Endpoint, type FaultSpec } from '../scenario/faults.js';
import type { GetTokensOptions, MockClientOptions, MockProvider, MockUserOptions } from '../types.js';

/** A request the control API refuses: `field` is the JSON member at fault (the 400's `error_description` names it). */
export class ControlInputError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'ControlInputError';
    this.field = field;
  }
}

/** One control route: what it does with the body (already parsed; `undefined` when empty). */
export interface ControlOperation {
  method: 'GET' | 'POST' | 'DELETE';
  run(provider: MockProvider, body: unknown): Promise<unknown>;
}

const OK = { ok: true } as const;

function object(body: unknown, what: string): Record<string, unknown> {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ControlInputError(what, 'the body must be a JSON object.');
  return body as Record<string, unknown>;
}

function only(body: Record<string, unknown>, allowed: readonly string[]): void {
  const extra = Object.keys(body).find((key) => !allowed.includes(key));
  if (extra !== undefined) throw new ControlInputError(extra, `unknown field; allowed: ${allowed.length === 0 ? 'none' : allowed.join(', ')}.`);
}

function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new ControlInputError(field, 'must be a non-empty string.');
  return value;
}

/** Runs a handle call whose own validation throws, so its message becomes a 400 on the named field. */
function validated<T>(field: string, call: () => T): T {
  try {
    return call();
  } catch (error) {
    if (isMockProviderOptionsError(error)) throw new ControlInputError(error.option.replace(/^(client|user)\./, '') || field, error.message);
    if (error instanceof TestkitError && error.code === 'MOCK_PROVIDER') throw new ControlInputError(field, error.message);
    throw error;
  }
}

/** `times` on the wire: a whole number >= 1, or `"Infinity"` (JSON has no Infinity). */
function times(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (value === 'Infinity') return Infinity;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new ControlInputError('times', 'must be a whole number >= 1 or "Infinity".');
  return value;
}

/** The routes under `{issuer}/_testkit/`, by path segment. `health` needs no token (see `routes.ts`). */
export const CONTROL_OPERATIONS: Readonly<Record<string, ControlOperation>> = {
  health: { method: 'GET', run: async (provider) => ({ ok: true, issuer: provider.issuer }) },
  'expire-access-tokens': {
    method: 'POST',
    async run(provider, body) {
      only(object(body, 'body'), []);
      await provider.expireAccessTokens();
      return OK;
    },
  },
  'revoke-refresh-tokens': {
    method: 'POST',
    async run(provider, body) {
      only(object(body, 'body'), []);
      await provider.revokeRefreshTokens();
      return OK;
    },
  },
  'fail-next': {
    method: 'POST',
    async run(provider, body) {
      const input = object(body, 'body');
      only(input, ['endpoint', 'fault', 'times']);
      const endpoint = input.endpoint;
      if (typeof endpoint !== 'string' || !ENDPOINTS.includes(endpoint as Endpoint)) {
        throw new ControlInputError('endpoint', `must be one of ${ENDPOINTS.join(', ')}.`);
      }
      if (input.fault === undefined)
        throw new ControlInputError('fault', 'is required: a status, { error }, { status, retryAfter }, { delayMs } or { malformed }.');
      const count = times(input.times);
      validated('fault', () => provider.failNext(endpoint as Endpoint, input.fault as FaultSpec, count === undefined ? {} : { times: count }));
      return OK;
    },
  },
  requests: {
    method: 'GET',
    run: async (provider) => ({ requests: provider.requests }),
  },
  'requests:DELETE': {
    method: 'DELETE',
    async run(provider) {
      provider.clearRequests();
      return OK;
    },
  },
  clients: {
    method: 'POST',
    async run(provider, body) {
      const input = object(body, 'body');
      only(input, ['clientId', 'clientSecret', 'redirectUris', 'scopes', 'tokenEndpointAuthMethod']);
      return { client: validated('clientId', () => provider.registerClient(input as unknown as MockClientOptions)) };
    },
  },
  users: {
    method: 'POST',
    async run(provider, body) {
      const input = object(body, 'body');
      only(input, ['id', 'claims']);
      return { user: validated('id', () => provider.registerUser(input as unknown as MockUserOptions)) };
    },
  },
  tokens: {
    method: 'POST',
    async run(provider, body) {
      const input = object(body, 'body');
      only(input, ['clientId', 'scope', 'user', 'redirectUri']);
      const options: GetTokensOptions = {};
      for (const field of ['clientId', 'scope', 'user', 'redirectUri'] as const) {
        const value = optionalString(input, field);
        if (value !== undefined) options[field] = value;
      }
      if (options.clientId !== undefined && !provider.clients.some((client) => client.clientId === options.clientId)) {
        throw new ControlInputError('clientId', `no client ${JSON.stringify(options.clientId)} is registered.`);
      }
      if (options.user !== undefined && !provider.users.some((user) => user.id === options.user)) {
        throw new ControlInputError('user', `no user ${JSON.stringify(options.user)} is registered.`);
      }
      try {
        return { tokens: await provider.getTokens(options) };
      } catch (error) {
        if (error instanceof TestkitError && error.code === 'MOCK_PROVIDER') throw new ControlInputError('body', error.message);
        throw error;
      }
    },
  },
  reset: {
    method: 'POST',
    async run(provider, body) {
      only(object(body, 'body'), []);
      provider.reset();
      return OK;
    },
  },
};

/** The operation for a path segment and method, or why there is none. */
export function findOperation(name: string, method: string): ControlOperation | 'not-found' | 'method-not-allowed' {
  const byMethod = CONTROL_OPERATIONS[`${name}:${method}`];
  if (byMethod !== undefined) return byMethod;
  const operation = CONTROL_OPERATIONS[name];
  if (operation === undefined || name.includes(':')) return 'not-found';
  return operation.method === method ? operation : 'method-not-allowed';
}
