// archiver-zip-encrypted ships no types; what aes-zip.ts uses of its format module.
declare module 'archiver-zip-encrypted/lib/zip-encrypted.js' {
  const ZipEncrypted: new (options: Record<string, unknown>) => { engine: unknown };
  export default ZipEncrypted;
}
