// Type declarations for untyped dependencies.
declare module 'unbzip2-stream' {
  import type { Duplex } from 'node:stream';
  /** A through-stream that bunzips what is piped into it. */
  export default function unbzip2Stream(): Duplex;
}
