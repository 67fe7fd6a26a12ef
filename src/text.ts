/**
 * Folds case and accents for name search: "Älvdalen" → "alvdalen", "Öje" → "oje", "Säter" → "sater".
 * @example normaliseName('Borlänge') // 'borlange'
 */
export function normaliseName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .replace(/[øØ]/g, 'o')
    .replace(/[æÆ]/g, 'ae')
    .toLowerCase()
    .trim();
}

/** Escapes LIKE wildcards so user text is matched literally. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
