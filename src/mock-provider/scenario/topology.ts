import { MockProviderOptionsError } from '../options-error.js';
import type { EndpointsQuirk, IdentityEndpoint } from './dimensions.js';

/** What a preset endpoint stands for: an engine endpoint, or an identity call the preset answers itself. */
export type PresetRole = 'authorization' | 'token' | 'revocation' | 'identity';

export interface PresetEndpoint {
  /** `authorization`, `token`, `revocation`, or the identity endpoint's name. */
  name: string;
  role: PresetRole;
  /** The URL as the preset writes it, `{variables}` included. */
  template: string;
  /** With the variables filled in (`quirks.endpoints.variables`, else the variable's name). */
  concrete: URL;
  identity?: IdentityEndpoint;
  host: RegExp;
  path: RegExp;
}

const VARIABLE = /\{(\w+)\}/g;

function pattern(text: string, variable: string): RegExp {
  let source = '';
  let last = 0;
  for (const match of text.matchAll(VARIABLE)) {
    source += text.slice(last, match.index).replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + variable;
    last = (match.index ?? 0) + match[0].length;
  }
  source += text.slice(last).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${source}$`, 'i');
}

/**
 * The endpoint topology of a provider-shaped mock (`quirks.endpoints`): which real URLs it answers (templated
 * hosts and path segments match any value) and where each one is served under the issuer over HTTP
 * (`{issuer}/{host}{path}`, one path per endpoint, whatever the number of hosts).
 */
export class Topology {
  readonly endpoints: readonly PresetEndpoint[];

  constructor(quirk: EndpointsQuirk) {
    const variables = quirk.variables ?? {};
    const entry = (name: string, role: PresetRole, url: string, identity?: IdentityEndpoint): PresetEndpoint => {
      const split = /^(https?):\/\/([^/]+)(\/[^?#]*)?$/.exec(url);
      if (split === null)
        throw new MockProviderOptionsError(
          `quirks.endpoints.${name}`,
          `quirks.endpoints.${name} must be an absolute http(s) URL without query, got ${JSON.stringify(url)}.`,
        );
      const filled = url.replace(VARIABLE, (_match, variable: string) => variables[variable] ?? variable);
      const concrete = URL.parse(filled);
      if (concrete === null)
        throw new MockProviderOptionsError(
          `quirks.endpoints.${name}`,
          `quirks.endpoints.${name} is not a valid URL once its variables are filled in: ${JSON.stringify(filled)}.`,
        );
      return {
        name,
        role,
        template: url,
        concrete,
        ...(identity === undefined ? {} : { identity }),
        host: pattern(`${split[1]}://${split[2]}`, '[^./]+'),
        path: pattern(split[3] ?? '/', '[^/]+'),
      };
    };
    this.endpoints = [
      entry('authorization', 'authorization', quirk.authorization),
      entry('token', 'token', quirk.token),
      ...(quirk.revocation === undefined ? [] : [entry('revocation', 'revocation', quirk.revocation)]),
      ...(quirk.identity ?? []).map((identity) => entry(identity.name, 'identity', identity.url, identity)),
    ];
  }

  /** The endpoint a real URL (origin + path) addresses, if any. */
  match(url: URL): PresetEndpoint | undefined {
    return this.endpoints.find((endpoint) => endpoint.host.test(url.origin) && endpoint.path.test(url.pathname));
  }

  /** Whether a real origin is one of the provider's (`https://acme.zendesk.com` for `https://{subdomain}.zendesk.com`). */
  servesOrigin(origin: string): boolean {
    return this.endpoints.some((endpoint) => endpoint.host.test(origin));
  }

  /** A path under the issuer (`/{host}{path}`, as the HTTP listener and the in-process transports send it) → the endpoint and its real URL. */
  matchIssuerPath(pathname: string): { endpoint: PresetEndpoint; url: URL } | undefined {
    const slash = pathname.indexOf('/', 1);
    if (slash === -1) return undefined;
    const host = pathname.slice(1, slash);
    if (!host.includes('.')) return undefined;
    const scheme = this.endpoints.find((endpoint) => endpoint.host.test(`https://${host}`)) !== undefined ? 'https' : 'http';
    const url = URL.parse(`${scheme}://${host}${pathname.slice(slash)}`);
    if (url === null) return undefined;
    const endpoint = this.match(url);
    return endpoint === undefined ? undefined : { endpoint, url };
  }

  /** The issuer-relative path a real URL is served on: `/{host}{path}{query}`. */
  static issuerPath(url: URL): string {
    return `/${url.host}${url.pathname}${url.search}`;
  }

  /** Where each endpoint is reached: its real URL in-process, `{issuer}/{host}{path}` over HTTP. */
  listed(issuer: string, overHttp: boolean): Record<string, string> {
    const out: Record<string, string> = {};
    for (const endpoint of this.endpoints) out[endpoint.name] = overHttp ? `${issuer}${Topology.issuerPath(endpoint.concrete)}` : endpoint.concrete.href;
    return out;
  }
}
