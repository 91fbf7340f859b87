/**
 * Atomic state records: a reader (or a daemon restarted after a crash) sees
 * either the old file or the new one, never a torn write. Temp file in the same
 * directory (rename is atomic only within a filesystem), fsync, rename, then
 * fsync the directory so the rename itself survives a power loss.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const fh = await fs.promises.open(tmp, 'wx', mode);
  try {
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.promises.rename(tmp, file);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
  await syncDir(dir);
}

/** JSON with a trailing newline, as the records are also read by people. */
export function writeJsonAtomic(file: string, value: unknown, mode = 0o644): Promise<void> {
  return writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`, mode);
}

/** fsync a directory so a rename into it survives a crash. */
export async function syncDir(dir: string): Promise<void> {
  let fh: fs.promises.FileHandle | undefined;
  try {
    fh = await fs.promises.open(dir, 'r');
    await fh.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  } finally {
    await fh?.close();
  }
}
