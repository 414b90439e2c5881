/** The README's preset table is what the preset data says (regenerate with `npm run presets:table`). */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { withPresetTable } from '../../src/mock-provider/presets/table.js';

it('README preset table matches src/mock-provider/presets', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  expect(readme).toBe(withPresetTable(readme));
});
