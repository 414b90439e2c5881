/**
 * Whether a URL's `hostname` names this machine: `localhost`, IPv6 `[::1]` (as `URL` spells it) or any IPv4
 * address in 127.0.0.0/8 (RFC 8252 §7.3 loopback redirect URIs, RFC 6890).
 */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}
