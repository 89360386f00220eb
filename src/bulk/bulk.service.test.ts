import { describe, expect, it } from 'vitest';
import { safeCell } from './bulk.service.js';

describe('the results CSV (R11.4)', () => {
  it('defuses cells a spreadsheet would run as formulas, and leaves phone numbers alone', () => {
    expect(safeCell('=HYPERLINK("http://evil")')).toBe(`'=HYPERLINK("http://evil")`);
    expect(safeCell('@SUM(A1)')).toBe(`'@SUM(A1)`);
    expect(safeCell('+cmd|x')).toBe(`'+cmd|x`);
    expect(safeCell('-2+3')).toBe(`'-2+3`);
    expect(safeCell('+44 7700 900002')).toBe('+44 7700 900002');
    expect(safeCell('john.doe@example.com')).toBe('john.doe@example.com');
    expect(safeCell('100')).toBe('100');
  });
});
