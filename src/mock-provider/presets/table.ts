import type { RefreshPolicy, RefreshTokenWhen } from '../scenario/dimensions.js';
import { PRESET_NAMES, PRESETS } from './index.js';
import type { PresetDefinition } from './preset.js';
import { NEVER_EXPIRES } from './preset.js';

/** The README's markers around the generated table. */
export const TABLE_START = '<!-- presets-table:start (generated from src/mock-provider/presets by `npm run presets:table`; do not edit) -->';
export const TABLE_END = '<!-- presets-table:end -->';

function refreshWhen(when: RefreshTokenWhen | undefined): string {
  if (when === undefined || when === 'always') return 'always';
  if (when === 'never') return 'never';
  return 'scope' in when ? `scope \`${when.scope}\`` : `\`${when.param}=${when.value}\``;
}

function policy(value: RefreshPolicy | undefined, when: RefreshTokenWhen | undefined): string {
  if (when === 'never') return '—';
  if (value === undefined) return 'engine default (rotate)';
  if (value.mode === 'static') return value.echo === false ? 'static, omitted on refresh' : 'static, echoed';
  const parts = ['rotate'];
  if (value.graceSeconds) parts.push(`${value.graceSeconds} s grace`);
  if (value.revokePrevious === false) parts.push('old kept');
  if (value.idempotentUntilUsed) parts.push('replay until used');
  if (value.revokePreviousAccessToken) parts.push('old AT revoked');
  return parts.join(', ');
}

function row(preset: PresetDefinition): string {
  const q = preset.quirks;
  const token = q.endpoints?.token ?? '';
  const ttl = preset.accessTokenTtl === NEVER_EXPIRES ? 'never' : `${preset.accessTokenTtl ?? 3600} s`;
  const when =
    refreshWhen(q.refreshTokenWhen) +
    (q.refreshTokenFirstConsentOnly ? `, first consent unless \`${q.refreshTokenFirstConsentOnly.unlessParam}=${q.refreshTokenFirstConsentOnly.value}\`` : '');
  const request = `${(q.tokenRequestFormats ?? ['form']).join('+')}, auth ${q.clientAuth ?? 'either'}`;
  const answer = [
    q.tokenResponseEncoding === 'form-unless-accept-json' ? 'form unless Accept JSON' : 'JSON',
    q.okEnvelope ? '`ok` envelope' : undefined,
    q.tokenType === undefined ? undefined : `\`token_type: ${q.tokenType}\``,
    q.expiresIn === false ? 'no `expires_in`' : undefined,
    q.responseScope === undefined && q.scopeSeparator !== ',' ? undefined : `\`${q.responseScope?.field ?? 'scope'}\` ${q.responseScope?.format ?? 'comma'}`,
    ...Object.keys({ ...(q.extraTokenFields ?? {}), ...(q.refreshTokenFields ?? {}) }).map((key) => `\`${key}\``),
  ]
    .filter((part) => part !== undefined)
    .join(', ');
  const style = q.errorStyle;
  const statuses = Object.values(style?.conditions ?? {})
    .map((condition) => condition?.status)
    .filter((status): status is number => status !== undefined && status !== 400);
  const errors =
    style === undefined
      ? 'RFC 6749'
      : [
          style.status === undefined ? undefined : `HTTP ${style.status}`,
          style.body === undefined ? 'RFC 6749 body' : `body \`${Object.keys(style.body as object).join(', ')}\``,
          ...new Set(statuses.map((status) => `${status} for some`)),
        ]
          .filter(Boolean)
          .join(', ');
  const identity = (q.endpoints?.identity ?? []).map((endpoint) => `\`${endpoint.name}\``).join(', ');
  return `| \`${preset.name}\` | [${preset.title}](${preset.docs}) | \`${token}\` | ${request} | ${answer} | ${errors} | ${when} | ${policy(q.refreshPolicy, q.refreshTokenWhen)} | ${ttl} | ${identity} |`;
}

/** The README table of presets, from the preset data. */
export function presetTable(): string {
  return [
    '| Preset | Provider | Token endpoint | Token request | Token answer | Errors | Refresh token when | Refresh policy | Access token | Identity calls |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...PRESET_NAMES.map((name) => row(PRESETS[name] as PresetDefinition)),
  ].join('\n');
}

/** `readme` with the text between the markers replaced by the current table. */
export function withPresetTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start === -1 || end === -1) throw new Error(`README lacks the preset table markers ${TABLE_START} … ${TABLE_END}`);
  return `${readme.slice(0, start + TABLE_START.length)}\n${presetTable()}\n${readme.slice(end)}`;
}
