import type { FileHandle } from 'node:fs/promises';
import { ZipReader } from '@zip.js/zip.js';
import { describeError } from './errors.js';
import type { EntrySpan } from './zip-engine.js';
import { checkEntryData, FileHandleReader, readAt, type EntryCheck } from './zip-verify.js';

const LOCAL_HEADER = 0x04034b50;
const DATA_DESCRIPTOR = 0x08074b50;
const CENTRAL_HEADER = 0x02014b50;
const ZIP64_END = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const END = 0x06054b50;
const ZIP64_EXTRA = 0x0001;
const MAGIC32 = 0xffffffff;
const LOCAL_HEADER_SIZE = 30;
const VERSION_ZIP64 = 45;

/**
 * Reads one entry back from the archive while the rest of it is still being written, as a restore would: zip.js
 * decrypts and inflates the entry's bytes from disk into a SHA-256 that `verifyZipArchive` later compares.
 *
 * An unfinished archive has no central directory yet, so zip.js is shown the file up to the end of the entry
 * followed by a one-record directory built from what is on disk (the local header and the data descriptor) and
 * nothing the writer kept in memory; the writer's own figures (`span`) are only compared with the disk.
 * The final check of the finished archive decodes the entry again unless its real directory record points at
 * exactly these bytes. Problems are returned, never thrown.
 */
export async function verifyWrittenEntry(
  handle: FileHandle,
  span: EntrySpan,
  password: string,
  signal?: AbortSignal,
): Promise<EntryCheck> {
  const { name } = span;
  try {
    const onDisk = await readEntryFrame(handle, span);
    if (typeof onDisk === 'string') return { span, problems: [onDisk] };
    const reader = new ZipReader(new SpanReader(handle, span.end, onDisk.directory), { signal });
    const entries = await reader.getEntries();
    const entry = entries.length === 1 ? entries[0] : undefined;
    if (!entry || entry.directory || entry.filename !== name)
      return { span, problems: [`entry ${name} cannot be read back: its headers are not readable`] };
    const check = await checkEntryData(entry, password);
    await reader.close().catch(() => undefined);
    return { ...check, span };
  } catch (err) {
    return { span, problems: [`entry ${name} cannot be read back: ${describeError(err)}`] };
  }
}

/**
 * Reads the entry's local header and data descriptor from disk, checks them against what the writer says it wrote,
 * and builds the central directory (and zip64 end records) that would describe this entry alone. A string says what
 * does not match.
 */
async function readEntryFrame(handle: FileHandle, span: EntrySpan): Promise<{ directory: Buffer } | string> {
  const { name, headerOffset } = span;
  const where = `entry ${name} at offset ${headerOffset}`;
  const header = await readAt(handle, headerOffset, LOCAL_HEADER_SIZE);
  if (header.length < LOCAL_HEADER_SIZE || header.readUInt32LE(0) !== LOCAL_HEADER)
    return `${where}: no local file header on disk`;
  const flags = header.readUInt16LE(6);
  const nameLength = header.readUInt16LE(26);
  const extraLength = header.readUInt16LE(28);
  const rest = await readAt(handle, headerOffset + LOCAL_HEADER_SIZE, nameLength + extraLength);
  const rawName = rest.subarray(0, nameLength);
  const localExtra = rest.subarray(nameLength);
  if (rawName.toString('utf8') !== name)
    return `${where}: the local header names ${JSON.stringify(rawName.toString('utf8'))}`;
  const dataOffset = headerOffset + LOCAL_HEADER_SIZE + nameLength + extraLength;
  if (span.dataEnd - dataOffset !== span.compressedSize)
    return `${where}: ${span.dataEnd - dataOffset} bytes of data on disk, the writer reported ${span.compressedSize}`;

  let crc: number;
  let compressedSize: number;
  let size: number;
  if (flags & 0x08) {
    const length = span.end - span.dataEnd;
    const descriptor = await readAt(handle, span.dataEnd, length);
    if (
      (length !== 16 && length !== 24) ||
      descriptor.length !== length ||
      descriptor.readUInt32LE(0) !== DATA_DESCRIPTOR
    )
      return `${where}: no data descriptor after its data`;
    crc = descriptor.readUInt32LE(4);
    compressedSize = length === 24 ? Number(descriptor.readBigUInt64LE(8)) : descriptor.readUInt32LE(8);
    size = length === 24 ? Number(descriptor.readBigUInt64LE(16)) : descriptor.readUInt32LE(12);
  } else {
    crc = header.readUInt32LE(14);
    compressedSize = header.readUInt32LE(18);
    size = header.readUInt32LE(22);
    if (compressedSize === MAGIC32 || size === MAGIC32)
      return `${where}: zip64 sizes in the local header are not supported`;
  }
  if (crc !== span.crc >>> 0 || compressedSize !== span.compressedSize || size !== span.size)
    return `${where}: the sizes and CRC-32 on disk (${compressedSize}, ${size}, ${crc}) differ from the writer's (${span.compressedSize}, ${span.size}, ${span.crc >>> 0})`;

  // The local header's extra fields (AES) go into the record; zip64 is always used, so sizes need not fit 32 bits.
  const zip64 = Buffer.alloc(28);
  zip64.writeUInt16LE(ZIP64_EXTRA, 0);
  zip64.writeUInt16LE(24, 2);
  zip64.writeBigUInt64LE(BigInt(size), 4);
  zip64.writeBigUInt64LE(BigInt(compressedSize), 12);
  zip64.writeBigUInt64LE(BigInt(headerOffset), 20);
  const extra = Buffer.concat([zip64, withoutField(localExtra, ZIP64_EXTRA)]);
  const record = Buffer.alloc(46);
  record.writeUInt32LE(CENTRAL_HEADER, 0);
  record.writeUInt16LE(header.readUInt16LE(4), 4); // made by: the version needed, on "MS-DOS"
  header.copy(record, 6, 4, 14); // version needed, flags, method, time, date
  record.writeUInt32LE(crc, 16);
  record.writeUInt32LE(MAGIC32, 20);
  record.writeUInt32LE(MAGIC32, 24);
  record.writeUInt16LE(nameLength, 28);
  record.writeUInt16LE(extra.length, 30);
  record.writeUInt32LE(MAGIC32, 42);
  const central = Buffer.concat([record, rawName, extra]);
  return { directory: Buffer.concat([central, endRecords(span.end, central.length)]) };
}

/** The zip64 end of central directory record, its locator and the classic end record, for one entry. */
function endRecords(directoryOffset: number, directoryLength: number): Buffer {
  const zip64End = Buffer.alloc(56);
  zip64End.writeUInt32LE(ZIP64_END, 0);
  zip64End.writeBigUInt64LE(44n, 4);
  zip64End.writeUInt16LE(VERSION_ZIP64, 12);
  zip64End.writeUInt16LE(VERSION_ZIP64, 14);
  zip64End.writeBigUInt64LE(1n, 24);
  zip64End.writeBigUInt64LE(1n, 32);
  zip64End.writeBigUInt64LE(BigInt(directoryLength), 40);
  zip64End.writeBigUInt64LE(BigInt(directoryOffset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(ZIP64_LOCATOR, 0);
  locator.writeBigUInt64LE(BigInt(directoryOffset + directoryLength), 8);
  locator.writeUInt32LE(1, 16);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(MAGIC32, 12);
  end.writeUInt32LE(MAGIC32, 16);
  return Buffer.concat([zip64End, locator, end]);
}

/** Extra-field data without the field of one id. */
function withoutField(extra: Buffer, id: number): Buffer {
  const kept: Buffer[] = [];
  for (let at = 0; at + 4 <= extra.length;) {
    const length = extra.readUInt16LE(at + 2);
    if (extra.readUInt16LE(at) !== id) kept.push(extra.subarray(at, at + 4 + length));
    at += 4 + length;
  }
  return Buffer.concat(kept);
}

/** The archive file up to `fileEnd`, followed by `tail` (a directory describing the entry just written). */
class SpanReader extends FileHandleReader {
  readonly #fileEnd: number;
  readonly #tail: Buffer;

  constructor(handle: FileHandle, fileEnd: number, tail: Buffer) {
    super(handle, fileEnd + tail.length);
    this.#fileEnd = fileEnd;
    this.#tail = tail;
  }

  override async readUint8Array(index: number, length: number): Promise<Uint8Array> {
    const fromFile = Math.max(0, Math.min(index + length, this.#fileEnd) - index);
    const head = fromFile > 0 ? await super.readUint8Array(index, fromFile) : new Uint8Array(0);
    if (fromFile === length || head.length < fromFile) return head;
    const tailStart = Math.max(0, index - this.#fileEnd);
    const tail = this.#tail.subarray(tailStart, tailStart + length - fromFile);
    return head.length === 0 ? tail : Buffer.concat([head, tail]);
  }
}
