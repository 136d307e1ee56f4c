// The `bencode` package ships no type declarations; the tests use it as a cross-check of our codec.
declare module 'bencode' {
  const bencode: {
    encode(value: unknown): Uint8Array;
    decode(data: Uint8Array, encoding?: string): unknown;
  };
  export default bencode;
}
