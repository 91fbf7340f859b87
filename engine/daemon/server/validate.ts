/**
 * Request-body validation against the project's schemas (schemas/api/*.json),
 * compiled with ajv on first use. Like dockerd's JSON decoding,
 * unknown fields are ignored (the schemas allow additional properties); a
 * field of the wrong type is a 400.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { BadRequestError } from '../errors.js';

const require = createRequire(import.meta.url);

interface AjvError {
  instancePath: string;
  message?: string;
}
interface ValidateFn {
  (data: unknown): boolean;
  errors?: AjvError[] | null;
}
interface AjvInstance {
  compile(schema: unknown): ValidateFn;
}
type AjvClass = new (opts: Record<string, unknown>) => AjvInstance;

export interface BodyValidator {
  /** Throws BadRequestError unless `body` fits schemas/api/<name>.json. */
  check(name: string, body: unknown): void;
}

export function loadValidators(schemaDir: string): BodyValidator {
  // The schema files are read now (a missing one fails the start), ajv is loaded and the
  // schemas compiled on first use: an idle engine does not carry ajv (~8 MiB).
  const schemas = new Map<string, unknown>();
  for (const file of fs.readdirSync(schemaDir)) {
    if (!file.endsWith('.json')) continue;
    schemas.set(file.slice(0, -'.json'.length), JSON.parse(fs.readFileSync(path.join(schemaDir, file), 'utf8')) as unknown);
  }
  let ajv: AjvInstance | undefined;
  const compiled = new Map<string, ValidateFn>();
  const validatorOf = (name: string): ValidateFn | undefined => {
    const done = compiled.get(name);
    if (done) return done;
    const schema = schemas.get(name);
    if (schema === undefined) return undefined;
    if (!ajv) {
      const mod = require('ajv') as { default?: AjvClass } & AjvClass;
      const Ajv: AjvClass = mod.default ?? mod;
      ajv = new Ajv({ allErrors: false, strict: false });
    }
    const v = ajv.compile(schema);
    compiled.set(name, v);
    return v;
  };
  return {
    check(name, body) {
      const v = validatorOf(name);
      if (!v) throw new Error(`no request schema ${name} in ${schemaDir}`);
      if (v(body)) return;
      const err = v.errors?.[0];
      const where = err?.instancePath ? err.instancePath.slice(1).replace(/\//g, '.') : 'body';
      throw new BadRequestError(`invalid request: ${where} ${err?.message ?? 'is invalid'}`);
    },
  };
}
