/** Error text in words for the codes a backup run is likely to meet. */
export function describeError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    ENOENT: 'no such file or folder',
    ENOSPC: 'disk full',
    EDQUOT: 'disk quota exceeded',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EISDIR: 'is a folder',
    ENOTDIR: 'a parent of the path is not a folder',
    EROFS: 'read-only file system',
    EIO: 'input/output error',
    EMFILE: 'too many open files',
  };
  const text = e?.code ? words[e.code] : undefined;
  if (text) return `${text} (${e.code})`;
  return e?.message ?? String(err);
}
