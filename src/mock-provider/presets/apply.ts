import { MockProviderOptionsError } from '../options-error.js';
import type { MockProviderOptions } from '../types.js';
import { PRESET_NAMES, PRESETS } from './index.js';
import type { PresetDefinition } from './preset.js';

/** The preset a name stands for; throws `MOCK_PROVIDER_OPTIONS` listing the names for an unknown one. */
export function presetNamed(name: string): PresetDefinition {
  const preset = (PRESETS as Record<string, PresetDefinition>)[name];
  if (preset === undefined) throw new MockProviderOptionsError('preset', `Unknown preset ${JSON.stringify(name)}. Known presets: ${PRESET_NAMES.join(', ')}.`);
  return preset;
}

/** `options` over its preset: every option given wins, `quirks` merge key by key. Without a preset, `options` unchanged. */
export function applyPreset(options: MockProviderOptions): MockProviderOptions {
  if (options.preset === undefined) return options;
  const preset = presetNamed(options.preset);
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as MockProviderOptions;
  return {
    ...(preset.accessTokenTtl === undefined ? {} : { accessTokenTtl: preset.accessTokenTtl }),
    ...(preset.refreshTokenTtl === undefined ? {} : { refreshTokenTtl: preset.refreshTokenTtl }),
    ...given,
    quirks: { ...preset.quirks, ...(options.quirks ?? {}) },
  };
}
