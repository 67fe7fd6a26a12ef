/**
 * Hostile GraphQL documents and bodies from the issue-19 probe, shared by the API tests and the fuzz suite.
 */

/** `{ ...F0 }` with F0…F(n−1) each spreading the next `copies` times and F(n) one field: copies^n fields. */
export function doublingFragments(n: number, copies = 2): string {
  let q = '{ ...F0 }\n';
  for (let i = 0; i < n; i++)
    q += `fragment F${i} on Query { ${Array.from({ length: copies }, () => `...F${i + 1}`).join(' ')} }\n`;
  return `${q}fragment F${n} on Query { __typename }\n`;
}

/** `{ ...F0 }` with F0…F(n−1) each spreading the next once: a chain n fragments long. */
export function fragmentChain(n: number): string {
  let q = '{ ...F0 }\n';
  for (let i = 0; i < n; i++) q += `fragment F${i} on Query { ...F${i + 1} }\n`;
  return `${q}fragment F${n} on Query { __typename }\n`;
}

/** A selection nested n deep: `{ settlements { nodes { settlements { nodes … id } } } }`. */
export const nestedSelections = (n: number): string =>
  `{ ${'settlements { nodes { '.repeat(n)}id${' } }'.repeat(n)} }`;

/** A JSON text nesting arrays (or objects) n deep inside a GraphQL request body. */
export function deepJsonBody(
  n: number,
  shape: 'array' | 'object',
  where: 'variables' | 'extensions',
): string {
  const inner =
    shape === 'array' ? `${'['.repeat(n)}${']'.repeat(n)}` : `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
  return `{"query":"{ __typename }","${where}":{"v":${inner}}}`;
}
