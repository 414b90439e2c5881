/** Every preset over every transport: the connector-style run of test/presets/flow.ts (a sample runs in `npm test`). */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { PRESET_NAMES } from '../../src/mock-provider/presets/index.js';
import { transports } from '../contract/transports.js';
import { runPresetFlow } from '../presets/flow.js';

for (const transport of transports) {
  describe(`every preset over ${transport.name}`, () => {
    beforeAll(() => transport.setup());
    afterAll(() => transport.teardown());
    for (const name of PRESET_NAMES) {
      it(name, async () => {
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
