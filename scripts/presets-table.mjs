// Regenerates the README's preset table from the preset data, then Biome pads it (`npm run presets:table`); the test
// test/presets/readme-table.test.ts fails while the README and the data disagree).
import { readFileSync, writeFileSync } from 'node:fs';
import { withPresetTable } from '../dist/mock-provider/presets/table.js';

const readme = new URL('../README.md', import.meta.url);
writeFileSync(readme, withPresetTable(readFileSync(readme, 'utf8')));
