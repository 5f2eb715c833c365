import type { Writable } from 'node:stream';
import { ZipArchive, type Archiver, type ZipOptions } from 'archiver';
import {
  entryDataStream,
  type DeflatedAhead,
  type InputRecycler,
  type ParallelDeflateTuning,
} from './parallel-deflate.js';
import { METHOD_DEFLATED } from './zip-format.js';

/** What our code uses of compress-commons' ZipArchiveEntry. */
export interface ZipEntry {
  getName(): string;
  getExtra(): Buffer;
  getMethod(): number;
  getCrc(): number;
  getSize(): number;
  getCompressedSize(): number;
  getGeneralPurposeBit(): { usesDataDescriptor(): boolean };
  isZip64(): boolean;
  /** Where the engine wrote the local file header. */
  _offsets: { file: number };
  setCrc(crc: number): void;
  setSize(size: number): void;
  setCompressedSize(size: number): void;
}

/** What our code uses of compress-commons' ZipArchiveOutputStream (zip-stream's base class). */
export interface ZipEngine extends Writable {
  /** Bytes the engine has written so far: the archive offset of whatever it writes next. */
  offset: number;
  _afterAppend(entry: ZipEntry): void;
  _writeLocalFileHeader(entry: ZipEntry): void;
  _smartStream(entry: ZipEntry, callback: SmartStreamCallback): Writable;
  _writeCentralFileHeader(entry: ZipEntry): void;
}

export type SmartStreamCallback = (err: Error | null, entry: ZipEntry) => void;

/** The archiver 8 internals that its own `ZipArchive` sets up (node_modules/archiver/index.js). */
export interface ArchiverInternals {
  _format: string;
  _module: { engine: ZipEngine };
  _supportsDirectory: boolean;
  _supportsSymlink: boolean;
  _modulePipe(): void;
}

/** Where one entry lies in the archive file, as the engine wrote it (byte offsets from the start of the file). */
export interface EntrySpan {
  name: string;
  /** Offset of the entry's local file header. */
  headerOffset: number;
  /** Offset just past its (compressed, encrypted) data. */
  dataEnd: number;
  /** Offset just past the entry, its data descriptor included: where the next entry starts. */
  end: number;
  compressedSize: number;
  size: number;
  crc: number;
}

/** What the engine reports of each entry as it writes it. */
export interface EntryEvents {
  /** Its local file header was just handed on, starting at `headerOffset`; its data follows. */
  started(name: string, headerOffset: number): void;
  /** Its data is complete in the engine; its data descriptor (if any) is handed on right after this call. */
  ended(span: EntrySpan): void;
}

/**
 * Reports where each entry starts and ends as the engine writes it, so a reader can follow the entry on disk
 * while it is being written.
 */
export function watchEntries(archive: Archiver, events: EntryEvents): void {
  const engine = (archive as unknown as ArchiverInternals)._module.engine;
  const writeLocalFileHeader = engine._writeLocalFileHeader;
  engine._writeLocalFileHeader = function (this: ZipEngine, entry: ZipEntry): void {
    const headerOffset = this.offset;
    writeLocalFileHeader.call(this, entry);
    events.started(entry.getName(), headerOffset);
  };
  const afterAppend = engine._afterAppend;
  engine._afterAppend = function (this: ZipEngine, entry: ZipEntry): void {
    const dataEnd = this.offset;
    // What compress-commons' _writeDataDescriptor is about to write: signature, CRC and two sizes of 4 or 8 bytes.
    const descriptor = entry.getGeneralPurposeBit().usesDataDescriptor() ? (entry.isZip64() ? 24 : 16) : 0;
    events.ended({
      name: entry.getName(),
      headerOffset: entry._offsets.file,
      dataEnd,
      end: dataEnd + descriptor,
      compressedSize: entry.getCompressedSize(),
      size: entry.getSize(),
      crc: entry.getCrc(),
    });
    afterAppend.call(this, entry);
  };
}

/** How the data of each deflated entry is compressed. */
export interface EntryCompression extends ParallelDeflateTuning {
  /** zlib level 1..9 for deflated entries. */
  level: number;
  /** Blocks deflated ahead for the entry about to be appended: set by the writer before each append. */
  ahead?: { current?: DeflatedAhead };
  /** Takes back the writer's read buffers once a deflated entry is done with them. */
  recycle?: InputRecycler;
}

/**
 * archiver's stock zip format whose entries are deflated on several threads (ParallelDeflate) instead of one
 * zlib stream each. compress-commons still writes every header, the data descriptors and the zip64 records;
 * only the data path of each entry, `_smartStream`, is replaced.
 */
export class ParallelZipArchive extends ZipArchive {
  constructor(options: ZipOptions & { compression: EntryCompression }) {
    const { compression, ...rest } = options;
    super(rest);
    const engine = (this as unknown as ArchiverInternals)._module.engine;
    engine._smartStream = parallelSmartStream(compression);
  }
}

/**
 * Drop-in for ZipArchiveOutputStream.prototype._smartStream: raw data -> CRC-32/size -> deflate on several
 * threads (or nothing, when stored) -> engine. Called by compress-commons right after the local header; the
 * returned stream receives the entry's data.
 */
function parallelSmartStream(compression: EntryCompression) {
  return function (this: ZipEngine, entry: ZipEntry, callback: SmartStreamCallback): Writable {
    const { level, ahead, recycle, ...tuning } = compression;
    const method = entry.getMethod() === METHOD_DEFLATED ? 'deflate' : 'store';
    const data = entryDataStream(method, level, tuning, ahead?.current, recycle);
    let error: Error | null = null;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      entry.setCrc(data.crc);
      entry.setSize(data.size);
      entry.setCompressedSize(data.compressedSize);
      this._afterAppend(entry);
      callback(error, entry);
    };
    // compress-commons reports a source error by emitting 'error' on this stream and ending it.
    data.on('error', (err: Error) => {
      error ??= err;
      // A failure of the compression itself never ends the stream: give up on the entry now.
      if (data.destroyed && !done) {
        done = true;
        data.unpipe(this);
        callback(err, entry);
      }
    });
    data.once('end', finish);
    data.pipe(this, { end: false });
    return data;
  };
}
