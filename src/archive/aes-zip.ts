import type { Writable } from 'node:stream';
import { Archiver, type CoreOptions, type TransformOptions, type ZipOptions } from 'archiver';
// A static import, so that ncc puts it in dist/: on a runner there is no node_modules to require it from at run time.
import ZipEncryptedFormat from 'archiver-zip-encrypted/lib/zip-encrypted.js';
import { entryDataStream } from './parallel-deflate.js';
import { WinZipAesEncryptStream } from './winzip-aes.js';
import { METHOD_DEFLATED, ZIP64_MAGIC } from './zip-format.js';
import type {
  ArchiverInternals,
  EntryCompression,
  SmartStreamCallback,
  ZipEngine,
  ZipEntry,
} from './zip-engine.js';

// archiver-zip-encrypted is CommonJS and written for archiver 7's registerFormat, which archiver 8 dropped.
const ZipEncrypted = ZipEncryptedFormat as unknown as ZipEncryptedModule;

/** What our `_smartStream` uses of archiver-zip-encrypted 2.0's ZipAesStream (a compress-commons 6 stream). */
interface ZipAesEngine extends ZipEngine {
  key: Buffer;
}

type ZipEncryptedModule = new (options: Record<string, unknown>) => { engine: ZipAesEngine };

export type AesZipOptions = CoreOptions &
  TransformOptions &
  ZipOptions & { password: string; compression: EntryCompression };

/**
 * A zip archive whose entries are AES-256 encrypted (WinZip AE-1, what 7-Zip reports as `AES-256 Deflate`).
 * It mounts the plugin's format module the same way archiver 8's `ZipArchive` mounts the stock one.
 */
export class AesZipArchive extends Archiver {
  constructor(options: AesZipOptions) {
    const { password, compression, ...rest } = options;
    if (!password) throw new Error('AesZipArchive needs a non-empty password');
    super(rest);
    // Only AES-256: ZipCrypto ('zip20') is broken encryption and must never be produced.
    const zipModule = new ZipEncrypted({
      ...rest,
      password: Buffer.from(password, 'utf8'),
      encryptionMethod: 'aes256',
    });
    // The plugin's headers are kept; only the data path is replaced, to encrypt with OpenSSL instead of aes-js.
    zipModule.engine._smartStream = nativeSmartStream(compression);
    patchCentralFileHeader(zipModule.engine);
    const self = this as unknown as ArchiverInternals;
    self._format = 'zip';
    self._module = zipModule as ArchiverInternals['_module'];
    self._supportsDirectory = true;
    self._supportsSymlink = true;
    self._modulePipe();
  }
}

/**
 * Drop-in for ZipAesStream.prototype._smartStream: raw data -> CRC-32/size -> deflate on several threads (or
 * nothing, when stored) -> AES -> engine. Called by compress-commons right after the local header; the returned
 * stream receives the entry's data.
 */
function nativeSmartStream(compression: EntryCompression) {
  return function (this: ZipAesEngine, entry: ZipEntry, callback: SmartStreamCallback): Writable {
    // The plugin appended the 11-byte AES extra field last; its final two bytes hold the real method.
    const extra = entry.getExtra();
    const deflate = extra.readUInt16LE(extra.length - 2) === METHOD_DEFLATED;
    const { level, ahead, recycle, ...tuning } = compression;
    const data = entryDataStream(deflate ? 'deflate' : 'store', level, tuning, ahead?.current, recycle);
    const encrypt = new WinZipAesEncryptStream(this.key);
    let error: Error | null = null;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      entry.setCrc(data.crc);
      entry.setSize(data.size);
      entry.setCompressedSize(encrypt.totalSize);
      this._afterAppend(entry);
      callback(error, entry);
    };
    const abort = (err: Error): void => {
      if (done) return;
      done = true;
      data.unpipe(encrypt);
      callback(err, entry);
    };
    // compress-commons reports a source error by emitting 'error' on this stream and ending it (plugin semantics).
    data.on('error', (err: Error) => {
      error ??= err;
      // A failure of the compression itself never ends the stream: give up on the entry now.
      if (data.destroyed) abort(err);
    });
    encrypt.once('end', finish);
    encrypt.once('error', abort);
    data.pipe(encrypt).pipe(this, { end: false });
    return data;
  };
}

const CFH_VERSION_NEEDED = 6;
const CFH_COMPRESSED_SIZE = 20;
const CFH_LOCAL_HEADER_OFFSET = 42;
/** Version 5.1 is the one the AES extra field requires; compress-commons lowers it to 4.5 for zip64. */
const AES_VERSION_NEEDED = 51;

/**
 * The plugin's central header for a zip64 entry (over 4 GiB) carries a 24-byte zip64 extra field with the local
 * header offset, but keeps the real offset in the header instead of 0xFFFFFFFF: 7-Zip then reports
 * "Headers Error / Zip64_ERROR". Fix those bytes of the header it wrote; everything else is left as is.
 */
function patchCentralFileHeader(engine: ZipAesEngine): void {
  const original = engine._writeCentralFileHeader;
  engine._writeCentralFileHeader = function (this: ZipAesEngine, entry: ZipEntry): void {
    const parts: Buffer[] = [];
    const write = this.write;
    // Collect the header's pieces (the engine counts offsets in write(), so one write of the whole is the same).
    this.write = ((chunk: Buffer) => parts.push(Buffer.from(chunk)) > 0) as typeof this.write;
    try {
      original.call(this, entry);
    } finally {
      this.write = write;
    }
    const header = Buffer.concat(parts);
    if (header.readUInt32LE(CFH_COMPRESSED_SIZE) === ZIP64_MAGIC) {
      header.writeUInt32LE(ZIP64_MAGIC, CFH_LOCAL_HEADER_OFFSET);
    }
    header.writeUInt16LE(
      Math.max(AES_VERSION_NEEDED, header.readUInt16LE(CFH_VERSION_NEEDED)),
      CFH_VERSION_NEEDED,
    );
    this.write(header);
  };
}
