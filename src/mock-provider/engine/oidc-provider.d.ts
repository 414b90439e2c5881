/**
 * Minimal typings for the parts of oidc-provider 9 this package uses (the package ships none).
 * Loose on purpose where the engine's own shapes are deep; tighten as more is used.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type AdapterPayload = Record<string, unknown> & {
    grantId?: string;
    uid?: string;
    userCode?: string;
    consumed?: number;
    exp?: number;
    iat?: number;
    jti?: string;
    kind?: string;
  };

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn: number | undefined): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export type AdapterFactory = (model: string) => Adapter;

  /** Koa context as far as our middleware touches it. */
  export interface KoaContext {
    method: string;
    path: string;
    url: string;
    href: string;
    query: Record<string, string | string[] | undefined>;
    querystring: string;
    headers: Record<string, string | string[] | undefined>;
    req: IncomingMessage;
    res: ServerResponse;
    status: number;
    body: unknown;
    type: string;
    secure: boolean;
    set(field: string, value: string | string[]): void;
    get(field: string): string;
    remove(field: string): void;
    response: { headers: Record<string, string | string[] | number | undefined> };
    redirect(url: string): void;
    oidc?: { route?: string; [key: string]: unknown };
  }

  export type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void> | void;

  export interface ClientMetadata {
    client_id: string;
    client_secret?: string;
    redirect_uris?: string[];
    grant_types?: string[];
    response_types?: string[];
    token_endpoint_auth_method?: string;
    scope?: string;
    application_type?: 'web' | 'native';
    id_token_signed_response_alg?: string;
    [key: string]: unknown;
  }

  export interface InteractionDetails {
    uid: string;
    prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
    params: Record<string, unknown> & { client_id?: string; scope?: string; login_hint?: string; redirect_uri?: string };
    session?: { accountId?: string; uid?: string; cookie?: string };
    grantId?: string;
    lastSubmission?: Record<string, unknown>;
  }

  export interface InteractionInstance extends InteractionDetails {
    exp: number;
    returnTo: string;
    result?: InteractionResults;
    save(ttl: number): Promise<string>;
  }

  export interface InteractionConstructor {
    find(id: string): Promise<InteractionInstance | undefined>;
  }

  export interface InteractionResults {
    login?: { accountId: string; remember?: boolean };
    consent?: { grantId?: string };
    error?: string;
    error_description?: string;
    [key: string]: unknown;
  }

  export interface GrantInstance {
    jti: string;
    accountId?: string;
    clientId?: string;
    addOIDCScope(scope: string): void;
    addResourceScope(resource: string, scope: string): void;
    save(ttl?: number): Promise<string>;
  }

  export interface GrantConstructor {
    new (properties: { accountId: string; clientId: string }): GrantInstance;
    find(id: string): Promise<GrantInstance | undefined>;
  }

  export interface ClientInstance {
    clientId: string;
    clientSecret?: string;
    clientAuthMethod: string;
    redirectUris: string[];
    grantTypeAllowed(type: string): boolean;
    redirectUriAllowed(value: string): boolean;
  }

  export interface ClientConstructor {
    prototype: ClientInstance;
    find(id: string): Promise<ClientInstance | undefined>;
  }

  export interface Configuration {
    [key: string]: unknown;
  }

  export default class Provider {
    constructor(issuer: string, configuration?: Configuration);
    issuer: string;
    proxy: boolean;
    keys?: string[];
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    use(middleware: KoaMiddleware): this;
    /** Adds a grant type to the token endpoint: `params` are the parameters it reads (besides `grant_type`). */
    // biome-ignore lint/suspicious/noExplicitAny: the handler's context is the engine's untyped Koa context.
    registerGrantType(name: string, handler: (ctx: any) => Promise<void>, params?: string | string[] | Set<string>, dupes?: string | string[]): void;
    on(event: string, listener: (...args: unknown[]) => void): this;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionResult(req: IncomingMessage, res: ServerResponse, result: InteractionResults, options?: { mergeWithLastSubmission?: boolean }): Promise<string>;
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: InteractionResults, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
    readonly Grant: GrantConstructor;
    readonly Client: ClientConstructor;
    readonly Interaction: InteractionConstructor;
  }

  /** The interaction policy builder (`interactions.policy`): prompts in order, each with its checks. */
  export namespace interactionPolicy {
    class Check {
      constructor(reason: string, description: string, check: (ctx: KoaContext) => boolean | Promise<boolean>);
      static readonly REQUEST_PROMPT: true;
      static readonly NO_NEED_TO_PROMPT: false;
    }
    class Prompt {
      constructor(options: { name: string; requestable?: boolean }, ...checks: Check[]);
      readonly name: string;
    }
    interface Policy extends Array<Prompt> {
      add(prompt: Prompt, index?: number): void;
      get(name: string): Prompt | undefined;
    }
    function base(): Policy;
  }

  export const errors: {
    InvalidTarget: new (description?: string) => Error;
    InvalidScope: new (description: string, scope: string) => Error;
    InvalidGrant: new (description?: string) => Error;
    InvalidRequest: new (description?: string) => Error;
    InvalidClient: new (description?: string) => Error;
    CustomOIDCProviderError: new (error: string, description: string) => Error;
  } & Record<string, new (description?: string) => Error>;
}

/** oidc-provider's per-instance internals accessor (no `exports` map, so the deep import resolves). */
declare module 'oidc-provider/lib/helpers/weak_cache.js' {
  import type Provider from 'oidc-provider';
  export default function instance(
    provider: Provider,
    // biome-ignore lint/suspicious/noExplicitAny: grant handlers take the engine's untyped Koa context.
  ): { configuration?: { scopes?: Set<string> }; grantTypeHandlers?: Map<string, (ctx: any) => Promise<void>> } | undefined;
}

/** oidc-provider's helpers for grant handlers; each takes the provider first (bound by the caller). */
declare module 'oidc-provider/lib/helpers/grants.js' {
  export const validateClientScope: (...args: unknown[]) => unknown;
  export const buildTokenResponse: (...args: unknown[]) => unknown;
  export const resolveAndApplyResource: (...args: unknown[]) => unknown;
  export const applyAuthorizationDetails: (...args: unknown[]) => unknown;
}

/** The code exchange's token issuance (access, refresh and ID token from a grant source), reused by our custom grants. */
declare module 'oidc-provider/lib/helpers/grant_common.js' {
  import type Provider from 'oidc-provider';
  import type { GrantInstance } from 'oidc-provider';
  export function issueTokens(
    provider: Provider,
    helpers: unknown,
    ctx: unknown,
    source: Record<string, unknown>,
    grant: GrantInstance,
    options: { gty: string; entityLabel: string },
  ): Promise<void>;
}
