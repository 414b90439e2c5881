import { TestkitError } from '../../shared/errors.js';
import { oneLine } from '../../shared/text.js';
import { loadConfig, selectAuthorization } from '../../flow/config.js';
import type { OAuth2Settings } from '../../flow/types.js';
import { PRESET_NAMES, PRESETS } from '../../mock-provider/presets/index.js';
import type { PresetName } from '../../mock-provider/presets/index.js';
import { Topology } from '../../mock-provider/scenario/topology.js';

/** The preset `--mock` runs, and why (a short phrase for the config line). */
export interface MockPresetChoice {
  /** Undefined: the generic mock. */
  name: PresetName | undefined;
  reason: string;
}

/** `--mock-preset`: a preset name or `none`; anything else is a usage error (exit 2) listing the names. */
export function checkMockPresetFlag(value: string | undefined): void {
  if (value === undefined || value === 'none' || (PRESET_NAMES as readonly string[]).includes(value)) return;
  throw new TestkitError('USAGE', `Unknown --mock-preset "${value}". Known presets: ${PRESET_NAMES.join(', ')}, or none for the generic mock.`);
}

/** A configured URL as the preset patterns read it: each `{template}` becomes one host label or path segment. */
function parse(url: string | undefined): URL | undefined {
  if (typeof url !== 'string' || url === '') return undefined;
  return URL.parse(url.replace(/\{[^}]*\}/g, 'x')) ?? undefined;
}

/**
 * The preset whose endpoint templates (host patterns from the topology: `https://{subdomain}.zendesk.com` matches
 * any subdomain) match the authorization's `authorizationUrl` and `tokenUrl`: an endpoint whose host and path both
 * match counts most, a host alone less; ties go to the first preset in `PRESETS` (GitHub's OAuth App before its
 * GitHub App). None matching: the generic mock.
 */
export function presetForSettings(settings: Pick<OAuth2Settings, 'authorizationUrl' | 'tokenUrl'>): MockPresetChoice {
  const urls = [
    ['tokenUrl', parse(settings.tokenUrl), settings.tokenUrl],
    ['authorizationUrl', parse(settings.authorizationUrl), settings.authorizationUrl],
  ] as const;
  let best: { name: PresetName; score: number; reason: string; ties: PresetName[] } | undefined;
  for (const name of PRESET_NAMES) {
    const topology = new Topology(PRESETS[name].quirks.endpoints);
    let score = 0;
    let reason = '';
    for (const [key, url, configured] of urls) {
      if (url === undefined) continue;
      const exact = topology.match(url);
      const host = exact ?? topology.endpoints.find((endpoint) => endpoint.host.test(url.origin));
      if (host === undefined) continue;
      score += exact ? 2 : 1;
      reason ||= exact
        ? `${key} ${oneLine(String(configured).replace(/[?#].*$/, ''), 200)} is its ${host.name} endpoint`
        : `${key} host ${oneLine(String(configured).replace(/^[a-z]+:\/\/([^/?#]*).*$/is, '$1'), 200)} is one of its hosts`;
    }
    if (score === 0) continue;
    if (best === undefined || score > best.score) best = { name, score, reason, ties: [] };
    else if (score === best.score) best.ties.push(name);
  }
  if (best === undefined) return { name: undefined, reason: 'no preset matches the authorizationUrl and tokenUrl hosts' };
  const also = best.ties.length > 0 ? `; ${best.ties.join(', ')} match${best.ties.length === 1 ? 'es' : ''} as well` : '';
  return { name: best.name, reason: `${best.reason}${also}` };
}

/**
 * The preset for `--mock`: `--mock-preset` when given (`none`: the generic mock), else the one the chosen
 * authorization's URLs match. A config that cannot be read yet gets the generic mock (the flow reports it).
 */
export async function chooseMockPreset(options: {
  configPath: string;
  authorization?: string | undefined;
  flag?: string | undefined;
}): Promise<MockPresetChoice> {
  if (options.flag === 'none') return { name: undefined, reason: '--mock-preset none' };
  if (options.flag !== undefined) return { name: options.flag as PresetName, reason: `--mock-preset ${options.flag}` };
  try {
    const config = await loadConfig(options.configPath);
    const { authorization } = selectAuthorization(config.data, options.authorization, config.path);
    return presetForSettings(authorization.oauth2);
  } catch {
    return { name: undefined, reason: 'the config could not be read' };
  }
}

/** The phrase the config line ends with. */
export function presetPhrase(choice: MockPresetChoice): string {
  return choice.name === undefined
    ? `mock preset: none, the generic mock (${choice.reason})`
    : `mock preset: ${choice.name} (${choice.reason}; --mock-preset NAME|none to change)`;
}
