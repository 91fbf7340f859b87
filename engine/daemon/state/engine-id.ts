/**
 * The engine's identity (`ID` in /info): a UUID made on first start and kept
 * in ROOT/engine-id, so it stays the same across restarts as dockerd's does.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './atomic.js';

export async function loadEngineId(root: string): Promise<string> {
  const file = path.join(root, 'engine-id');
  try {
    const id = (await fs.promises.readFile(file, 'utf8')).trim();
    if (id !== '') return id;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const id = randomUUID();
  await writeFileAtomic(file, `${id}\n`, 0o600);
  return id;
}
