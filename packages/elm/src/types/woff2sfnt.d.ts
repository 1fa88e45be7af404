// woff2sfnt-sfnt2woff ships no types: it converts between WOFF 1.0 and TrueType/OpenType (sfnt).
declare module 'woff2sfnt-sfnt2woff' {
  const converter: { toSfnt(woff: Uint8Array): Buffer; toWoff(sfnt: Uint8Array): Buffer }
  export default converter
}
