import { createCipheriv, createHmac, pbkdf2Sync, randomBytes, type Cipher, type Hmac } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

// WinZip AES (AE-1/AE-2) constants for AES-256, see https://www.winzip.com/en/support/aes-encryption/
const SALT_LENGTH = 16;
const KEY_LENGTH = 32;
const VERIFIER_LENGTH = 2;
const PBKDF2_ITERATIONS = 1000;
const AUTH_CODE_LENGTH = 10;
const BLOCK = 16;

/**
 * Encrypts a zip entry's (compressed) data the WinZip AES-256 way: `salt | password verifier | AES-CTR data |
 * HMAC-SHA1 (10 bytes)`. Same output as archiver-zip-encrypted's AesHmacEtmStream, but the cipher runs in
 * OpenSSL: aes-js (pure JavaScript) encrypts at about 20 MB/s, which would dominate the time of large dumps.
 *
 * WinZip's CTR counter is a 128-bit little-endian integer starting at 1, whereas OpenSSL's aes-256-ctr
 * increments big-endian, so the key stream is built from ECB-encrypted counter blocks.
 */
export class WinZipAesEncryptStream extends Transform {
  readonly #ecb: Cipher;
  readonly #hmac: Hmac;
  readonly #header: Buffer;
  #headerSent = false;
  /** Counter of the next key-stream block, as four little-endian 32-bit words (low word first). */
  readonly #counter = new Uint32Array([1, 0, 0, 0]);
  /** Key-stream bytes left over from the last block of the previous chunk. */
  #spare: Buffer = Buffer.alloc(0);
  /** Bytes pushed so far, header and authentication code included: the entry's compressed size. */
  totalSize = 0;

  constructor(password: Buffer, salt: Buffer = randomBytes(SALT_LENGTH)) {
    super();
    const keys = pbkdf2Sync(password, salt, PBKDF2_ITERATIONS, 2 * KEY_LENGTH + VERIFIER_LENGTH, 'sha1');
    this.#ecb = createCipheriv('aes-256-ecb', keys.subarray(0, KEY_LENGTH), null);
    this.#ecb.setAutoPadding(false);
    this.#hmac = createHmac('sha1', keys.subarray(KEY_LENGTH, 2 * KEY_LENGTH));
    this.#header = Buffer.concat([salt, keys.subarray(2 * KEY_LENGTH)]);
  }

  /** Exposed for tests: the counter of the next block, e.g. to check the carry across 32-bit words. */
  setCounterForTest(words: [number, number, number, number]): void {
    this.#counter.set(words);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#sendHeader();
    if (chunk.length > 0) {
      const encrypted = this.#encrypt(chunk);
      this.#hmac.update(encrypted);
      this.#push(encrypted);
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    // Empty entries get no _transform call but still need the header.
    this.#sendHeader();
    this.#push(this.#hmac.digest().subarray(0, AUTH_CODE_LENGTH));
    callback();
  }

  #sendHeader(): void {
    if (this.#headerSent) return;
    this.#headerSent = true;
    this.#push(this.#header);
  }

  #push(data: Buffer): void {
    this.totalSize += data.length;
    this.push(data);
  }

  #encrypt(data: Buffer): Buffer {
    const out = Buffer.allocUnsafe(data.length);
    const fromSpare = Math.min(this.#spare.length, data.length);
    for (let i = 0; i < fromSpare; i++) out[i] = data[i]! ^ this.#spare[i]!;
    this.#spare = this.#spare.subarray(fromSpare);
    const rest = data.length - fromSpare;
    if (rest === 0) return out;

    const blocks = Math.ceil(rest / BLOCK);
    const counters = new Uint32Array(blocks * 4);
    const c = this.#counter;
    for (let b = 0; b < blocks; b++) {
      const at = b * 4;
      counters[at] = c[0]!;
      counters[at + 1] = c[1]!;
      counters[at + 2] = c[2]!;
      counters[at + 3] = c[3]!;
      // 128-bit little-endian increment: a Uint32Array word wraps to 0, which carries into the next one.
      for (let w = 0; w < 4; w++) {
        c[w] = c[w]! + 1;
        if (c[w] !== 0) break;
      }
    }
    const counterBytes = Buffer.from(counters.buffer, counters.byteOffset, counters.byteLength);
    if (BIG_ENDIAN_HOST) counterBytes.swap32();
    const stream = this.#ecb.update(counterBytes);
    for (let i = 0; i < rest; i++) out[fromSpare + i] = data[fromSpare + i]! ^ stream[i]!;
    this.#spare = stream.subarray(rest);
    return out;
  }
}

const BIG_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 0;
