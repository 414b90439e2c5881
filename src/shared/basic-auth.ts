/**
 * The client id and secret of an HTTP Basic `Authorization` header, each form-decoded as RFC 6749 §2.3.1 encodes
 * them (a value that is not valid form encoding is kept as sent), or undefined when the header is not Basic.
 *
 * @example
 * basicCredentials('Basic bXktY2xpZW50OnMlM0FlY3JldA==') // { id: 'my-client', secret: 's:ecret' }
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export function basicCredentials(authorization: string | undefined): { id: string; secret: string } | undefined {
  const match = /^basic\s+(.*)$/is.exec(authorization ?? '');
  if (match === null) return undefined;
  const decoded = Buffer.from((match[1] ?? '').trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
}

function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, '%20'));
  } catch {
    return value;
  }
}
