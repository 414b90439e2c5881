/** How the client authenticates at the token endpoint. */
export type ClientAuthMethod = 'client_secret_post' | 'client_secret_basic' | 'none';

/** The body of a token request (code exchange, refresh, another grant); undefined fields are left out. */
export type TokenRequestFields = Record<string, string | number | boolean | undefined>;

export interface BuildTokenRequestOptions {
  fields: TokenRequestFields;
  clientId: string;
  clientSecret?: string | undefined;
  auth: ClientAuthMethod;
  /** How the body is encoded; default form. */
  contentType?: 'application/x-www-form-urlencoded' | 'application/json' | undefined;
  /** Extra headers; they win over ours, names compared case-insensitively. */
  headers?: Record<string, string> | undefined;
  /** Extra body fields; they win over ours. */
  body?: Record<string, string | number | boolean> | undefined;
}

/**
 * RFC 6749 §2.3.1: the client id and secret are `application/x-www-form-urlencoded` (Appendix B) before they are
 * joined for HTTP Basic. Letters, digits and `-._*` are kept, a space becomes `+`, anything else `%XX` (UTF-8).
 *
 * @example
 * formEncodeCredential('a b/c') // 'a+b%2Fc'
 * @see https://www.rfc-editor.org/rfc/rfc6749#appendix-B
 */
export function formEncodeCredential(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/**
 * Builds the headers and body of a token request, with one client authentication method per request.
 * The flow's token client and the mock's headless user agent both use it.
 *
 * @example
 * const { headers, body } = buildTokenRequest({ fields: { grant_type: 'authorization_code', code, redirect_uri },
 *   clientId, clientSecret, auth: 'client_secret_basic' });
 * await fetch(tokenUrl, { method: 'POST', headers, body });
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 */
export function buildTokenRequest(options: BuildTokenRequestOptions): { headers: Headers; body: string } {
  const fields: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(options.fields)) if (value !== undefined) fields[key] = value;
  const contentType = options.contentType ?? 'application/x-www-form-urlencoded';
  const headers = new Headers({ Accept: 'application/json', 'Content-Type': contentType });
  if (options.auth === 'client_secret_basic') {
    const pair = `${formEncodeCredential(options.clientId)}:${formEncodeCredential(options.clientSecret ?? '')}`;
    headers.set('Authorization', `Basic ${Buffer.from(pair).toString('base64')}`);
  } else {
    fields.client_id = options.clientId;
    if (options.auth === 'client_secret_post') fields.client_secret = options.clientSecret ?? '';
  }
  Object.assign(fields, options.body);
  for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
  const body =
    contentType === 'application/json'
      ? JSON.stringify(fields)
      : new URLSearchParams(Object.entries(fields).map(([key, value]) => [key, String(value)])).toString();
  return { headers, body };
}
