import type { GrantInstance } from 'oidc-provider';
import { interactionPolicy } from 'oidc-provider';
import { mockAccount } from '../engine/configuration.js';
import { autoUserId, grantAll } from './interactions.js';
import type { MockUser } from '../types.js';

/** What the sign-in step reads and writes on oidc-provider's request context (it ships no types). */
interface AuthorizationContext {
  route: string;
  prompts: Set<string>;
  params: Record<string, unknown> & { client_id: string };
  session: {
    accountId?: string;
    readonly new?: boolean;
    loginAccount(details: { accountId: string }): void;
    resetIdentifier(): void;
    ensureClientContainer(clientId: string): void;
    grantIdFor(clientId: string, grantId: string): void;
  };
  provider: { Grant: { new (properties: { accountId: string; clientId: string }): GrantInstance; find(id: string): Promise<GrantInstance | undefined> } };
  entity(name: 'Account' | 'Grant', value: unknown): void;
}

/** Parameters that ask for something `login: 'auto'` leaves to the interaction (and its engine checks). */
const INTERACTIVE_PARAMS = ['max_age', 'id_token_hint', 'claims', 'acr_values'] as const;

/**
 * `login: 'auto'` inside the authorization request itself: the engine's policy (login, then consent) gets a
 * first step that, for a plain request without a signed-in user, signs in the `login_hint` user (else the first
 * user) and grants every requested scope, exactly what the interaction would answer (`autoResult`) and the
 * resume would apply (`loginAccount`, a fresh session id, the grant on the session). The engine's own login and
 * consent checks then pass and `/auth` issues the code at once: no interaction is stored, no resume runs.
 * Anything else — a `prompt`, `max_age`, `id_token_hint`, `claims`, `acr_values`, an unknown `login_hint`, a
 * user already signed in — is left to the engine, which redirects to the interaction, where `interactionRoutes`
 * answers with the documented `interactionResult` (`autoResult`): the one other way `login: 'auto'` signs in.
 */
export function autoLoginPolicy(deps: { users: () => readonly MockUser[]; resource: string | undefined }): interactionPolicy.Policy {
  const policy = interactionPolicy.base();
  const signIn = new interactionPolicy.Check('auto_login', 'login: auto signs a mock user in', async (ctx) => {
    await autoSignIn(ctx.oidc as unknown as AuthorizationContext, deps);
    return interactionPolicy.Check.NO_NEED_TO_PROMPT;
  });
  policy.add(new interactionPolicy.Prompt({ name: 'auto_login' }, signIn), 0);
  return policy;
}

async function autoSignIn(oidc: AuthorizationContext, deps: { users: () => readonly MockUser[]; resource: string | undefined }): Promise<void> {
  const { session, params } = oidc;
  if (oidc.route !== 'authorization' || session.accountId !== undefined || oidc.prompts.size > 0) return;
  if (INTERACTIVE_PARAMS.some((name) => params[name] !== undefined)) return;
  const users = deps.users();
  const account = mockAccount(users, autoUserId(params.login_hint, users) ?? '');
  if (account === undefined) return;
  session.loginAccount({ accountId: account.accountId });
  if (session.new !== true) session.resetIdentifier();
  oidc.entity('Account', account);
  const grant = await grantAll({ provider: oidc.provider, resource: deps.resource }, params, undefined, account.accountId);
  session.ensureClientContainer(params.client_id);
  session.grantIdFor(params.client_id, grant.jti);
  oidc.entity('Grant', grant);
}
