/**
 * A sample of presets over every transport (the whole matrix is test/slow/presets-matrix.test.ts): the same
 * connector-style run, with unmodified global `fetch` at the provider's real URLs (msw, nock, undici,
 * provider.fetch) or at `{issuer}/{host}{path}` over HTTP.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { PresetName } from '../../src/mock-provider/presets/index.js';
import { transports } from '../contract/transports.js';
import { runPresetFlow } from './flow.js';

const SAMPLE: readonly PresetName[] = ['github', 'google', 'slack', 'zendesk', 'microsoft', 'hubspot'];

for (const transport of transports) {
  describe(`presets over ${transport.name}`, () => {
    beforeAll(() => transport.setup());
    afterAll(() => transport.teardown());
    for (const name of SAMPLE) {
      it(`${name}: authorize, exchange, identity, refresh, expired identity`, async () => {
        const provider = await transport.serve({ preset: name });
        try {
          await runPresetFlow(provider, name);
        } finally {
          await transport.release(provider);
        }
      });
    }
  });
}
