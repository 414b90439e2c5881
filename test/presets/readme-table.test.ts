/** The README's preset table is what the preset data says (regenerate with `npm run presets:table`, then Biome pads it). */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { presetTable, TABLE_END, TABLE_START } from '../../src/mock-provider/presets/table.js';

/** Rows as trimmed cells (Biome pads markdown tables; the separator row's dashes vary). */
function cells(table: string): string[][] {
  return table
    .trim()
    .split('\n')
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim())
        .map((cell) => (/^-+$/.test(cell) ? '---' : cell)),
    );
}

it('README preset table matches src/mock-provider/presets', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  expect(start, 'README has the table markers').toBeGreaterThan(-1);
  expect(cells(readme.slice(start + TABLE_START.length, end))).toEqual(cells(presetTable()));
});
