// Numbers of the zip format (PKWARE APPNOTE 4.3.7, 4.3.9, 4.4.4-5, 4.5.3; WinZip AES extra field 0x9901) that more
// than one module reads or writes: one place for them.

export const LOCAL_HEADER = 0x04034b50;
export const DATA_DESCRIPTOR = 0x08074b50;
export const LOCAL_HEADER_SIZE = 30;
export const AES_EXTRA = 0x9901;
export const METHOD_STORED = 0;
export const METHOD_DEFLATED = 8;
/** The method an AES-encrypted entry's header gives; the real one is in its AES extra field. */
export const METHOD_AES = 99;
export const FLAG_ENCRYPTED = 0x01;
export const FLAG_DATA_DESCRIPTOR = 0x08;
/** A 32-bit size or offset that stands for "in the zip64 extra field". */
export const ZIP64_MAGIC = 0xffffffff;
