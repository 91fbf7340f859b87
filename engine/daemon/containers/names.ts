/**
 * Container ids and names as dockerd makes and checks them: 64-hex random ids,
 * names matching `/?[a-zA-Z0-9][a-zA-Z0-9_.-]+`, and a generated
 * `adjective_surname` name when the request gives none (moby namesgenerator,
 * abridged).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { BadRequestError } from '../errors.js';

const NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function newContainerId(): string {
  // dockerd regenerates ids that are all digits: a short form would read as a number.
  for (;;) {
    const id = randomBytes(32).toString('hex');
    if (!/^\d+$/.test(id.slice(0, 12))) return id;
  }
}

/** The name without its leading slash; 400 for what dockerd refuses. */
export function normalizeName(raw: string): string {
  if (!NAME.test(raw)) throw new BadRequestError(`Invalid container name (${raw}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  return raw.startsWith('/') ? raw.slice(1) : raw;
}

export function nameConflictMessage(name: string, id: string): string {
  return `Conflict. The container name "/${name}" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`;
}

const LEFT = ['admiring', 'brave', 'clever', 'dazzling', 'eager', 'festive', 'gifted', 'happy', 'jolly', 'keen', 'loving', 'modest', 'nifty', 'optimistic', 'quirky', 'relaxed', 'serene', 'trusting', 'upbeat', 'vibrant', 'wizardly', 'zealous'];
const RIGHT = ['albattani', 'bell', 'curie', 'darwin', 'euclid', 'fermat', 'galileo', 'hopper', 'kepler', 'lovelace', 'meitner', 'noether', 'pascal', 'ritchie', 'shannon', 'turing', 'wozniak', 'yalow'];

/** A random `adjective_surname`; `taken` is asked so a collision retries with a digit, as moby does. */
export function generateName(taken: (name: string) => boolean): string {
  for (let attempt = 0; attempt < 10; attempt++) {
    let name = `${LEFT[randomInt(LEFT.length)]}_${RIGHT[randomInt(RIGHT.length)]}`;
    if (attempt > 0) name += String(randomInt(10));
    if (!taken(name)) return name;
  }
  return `c_${randomBytes(6).toString('hex')}`;
}
