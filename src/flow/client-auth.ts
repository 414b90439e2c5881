import type { ClientAuthUsed } from '../shared/errors.js';
import { formEncodeCredential } from '../shared/token-request.js';
import { grantTypeOf } from './grants.js';
import type { OAuth2Settings } from './types.js';

/** The two parameters blocks of an oauth2 authorization: the grant's own request, and the refresh. */
export type ParametersBlock = 'tokenRequestParameters' | 'refreshRequestParameters';

/** The Basic header template connectors write (RFC 7617), which joins id and secret without form-encoding them. */
export const BASIC_TEMPLATE = 'Basic {!base64({+clientId}:{+clientSecret})}';

const RAW_BASIC = /\{!base64\(\s*\{\+clientId\}:\{\+clientSecret\}\s*\)\}/;

function authorizationHeader(header: Record<string, string> | undefined): string | undefined {
  for (const [name, value] of Object.entries(header ?? {})) if (name.toLowerCase() === 'authorization') return value;
  return undefined;
}

/** How a request with these (expanded) extra headers authenticates the client: an `Authorization` header wins. */
export function clientAuthUsed(headers: Record<string, string> | undefined, block: ParametersBlock): ClientAuthUsed {
  return authorizationHeader(headers) === undefined ? { method: 'body' } : { method: 'header', block };
}

/**
 * What to say when the token endpoint refused the client (`invalid_client`, `unauthorized_client`, a bare 401):
 * the method this request used and the other one to try. `file` names the config in the CLI's words.
 *
 * @example
 * clientAuthAdvice({ method: 'body' }, 'the config')
 */
export function clientAuthAdvice(used: ClientAuthUsed | undefined, file: string): string {
  const check = `Check oauth2.clientId and oauth2.clientSecret in ${file}`;
  if (used === undefined) return `${check}.`;
  if (used.method === 'body') {
    return (
      `${check}. This request sent client_id and client_secret in the body (client_secret_post); ` +
      `if the provider wants HTTP Basic, add to oauth2.tokenRequestParameters and oauth2.refreshRequestParameters: "header": { "Authorization": "${BASIC_TEMPLATE}" }.`
    );
  }
  return (
    `${check}. This request authenticated with the Authorization header of oauth2.${used.block}.header (client_secret left out of the body); ` +
    `if the provider wants the secret in the body (client_secret_post), remove that header.`
  );
}

/** A client authentication problem found in the config itself, before any request. */
export interface ClientAuthWarning {
  reason: 'refresh-secret-in-body' | 'basic-not-form-encoded';
  /** What is wrong, without the fix. */
  problem: string;
  /** The problem and how to fix it, on one line. */
  message: string;
  /** The exact JSON lines to add, for `oauth2 check` (no secret: a template, or a placeholder naming the value). */
  lines?: string[];
}

/**
 * What the config's client authentication gets wrong for this grant:
 * - the grant's request authenticates with an `Authorization` header but the refresh sets none, so the refresh
 *   sends the secret in the body, which a provider that wants Basic refuses;
 * - a `{!base64({+clientId}:{+clientSecret})}` header joins id and secret as they are, while RFC 6749 §2.3.1
 *   form-encodes them first: when that encoding changes either, a strict server refuses the header.
 *
 * Never quotes a secret: a header value without templates is named, not shown.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export function clientAuthWarnings(settings: OAuth2Settings, where: string): ClientAuthWarning[] {
  const warnings: ClientAuthWarning[] = [];
  const tokenHeader = authorizationHeader(settings.tokenRequestParameters?.header);
  const refreshHeader = authorizationHeader(settings.refreshRequestParameters?.header);
  const refreshes = grantTypeOf(settings) !== 'client_credentials';
  if (tokenHeader !== undefined && refreshHeader === undefined && refreshes) {
    const value = tokenHeader.includes('{') ? tokenHeader : `<the value of ${where}.tokenRequestParameters.header.Authorization>`;
    const header = `"header": { "Authorization": ${JSON.stringify(value)} }`;
    const lines =
      settings.refreshRequestParameters === undefined
        ? ['"refreshRequestParameters": {', `  ${header}`, '}']
        : [`${header}   (inside ${where}.refreshRequestParameters)`];
    const problem =
      `${where}.tokenRequestParameters.header sets Authorization but ${where}.refreshRequestParameters.header does not: ` +
      'the refresh sends client_secret in the body instead, which a provider that wants HTTP Basic refuses.';
    warnings.push({ reason: 'refresh-secret-in-body', problem, message: `${problem} Add to ${where}: ${lines.map((line) => line.trim()).join(' ')}`, lines });
  }
  const raw = [tokenHeader, refreshHeader].some((value) => value !== undefined && RAW_BASIC.test(value));
  const changed = [settings.clientId, settings.clientSecret].some((value) => formEncodeCredential(value) !== value);
  if (raw && changed) {
    const problem =
      `${where}.clientId or .clientSecret holds characters that RFC 6749 §2.3.1 form-encodes before base64, but the Authorization ` +
      'template {!base64({+clientId}:{+clientSecret})} joins them unencoded: strict servers will refuse this Basic header.';
    const fix =
      'To avoid it, remove the Authorization header so client_id and client_secret go in the body (if the provider accepts that), ' +
      'or use credentials made only of letters, digits and - . _ * (e.g. regenerate the secret).';
    warnings.push({ reason: 'basic-not-form-encoded', problem, message: `${problem} ${fix}` });
  }
  return warnings;
}
