import { describe, expect, it } from 'vitest';
import { csvSafe } from './formats';

describe('CSV cells', () => {
  it('defuse what a spreadsheet would run as a formula, and leave ordinary values alone', () => {
    expect(csvSafe('=HYPERLINK("http://evil")')).toBe(`'=HYPERLINK("http://evil")`);
    expect(csvSafe('+cmd|/c calc')).toBe(`'+cmd|/c calc`);
    expect(csvSafe('@SUM(A1)')).toBe(`'@SUM(A1)`);
    expect(csvSafe('-42')).toBe('-42');
    expect(csvSafe('-4.5')).toBe('-4.5');
    expect(csvSafe('-2+3+cmd|/c calc')).toBe(`'-2+3+cmd|/c calc`);
    expect(csvSafe('-cmd')).toBe(`'-cmd`);
    expect(csvSafe('- - [04/Mar/2024]')).toBe('- - [04/Mar/2024]');
    expect(csvSafe('\tx')).toBe(`'\tx`);
    expect(csvSafe('Failed password for root')).toBe('Failed password for root');
    expect(csvSafe(42)).toBe(42);
    expect(csvSafe('')).toBe('');
  });
});
