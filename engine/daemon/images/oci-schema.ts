/**
 * Validation of the OCI documents the store reads and writes, against the
 * OCI image-spec JSON Schemas (copied beside this file from the spec, as
 * draft-04 documents). ajv 8 speaks draft-07+, so the draft-04 `id`
 * keywords are dropped and each file gets an `$id` that lets the relative
 * `$ref`s ("defs-descriptor.json#/…") resolve among the copies.
 */
import { createRequire } from 'node:module';
import { BadRequestError } from '../errors.js';
import configSchema from './oci-schema/config-schema.json' with { type: 'json' };
import contentDescriptor from './oci-schema/content-descriptor.json' with { type: 'json' };
import defsDescriptor from './oci-schema/defs-descriptor.json' with { type: 'json' };
import defs from './oci-schema/defs.json' with { type: 'json' };
import indexSchema from './oci-schema/image-index-schema.json' with { type: 'json' };
import layoutSchema from './oci-schema/image-layout-schema.json' with { type: 'json' };
import manifestSchema from './oci-schema/image-manifest-schema.json' with { type: 'json' };

interface ValidateFn {
  (data: unknown): boolean;
  errors?: Array<{ instancePath: string; message?: string }> | null;
}
interface AjvLike {
  addSchema(schema: unknown): unknown;
  getSchema(id: string): ValidateFn | undefined;
}

const BASE = 'https://tscompose.invalid/oci-image-spec/';
const FILES: Record<string, unknown> = {
  'config-schema.json': configSchema,
  'content-descriptor.json': contentDescriptor,
  'defs-descriptor.json': defsDescriptor,
  'defs.json': defs,
  'image-index-schema.json': indexSchema,
  'image-layout-schema.json': layoutSchema,
  'image-manifest-schema.json': manifestSchema,
};

/** Drop draft-04 `id`s (which would re-base `$ref`s) and `$schema`. */
function strip(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strip);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$schema') continue;
    if (k === 'id' && typeof v === 'string' && v.startsWith('https://opencontainers.org/')) continue;
    out[k] = strip(v);
  }
  return out;
}

let ajv: AjvLike | undefined;
function instance(): AjvLike {
  if (ajv) return ajv;
  const require = createRequire(import.meta.url);
  const mod = require('ajv') as { default?: new (o: object) => AjvLike } & (new (o: object) => AjvLike);
  const Ajv = mod.default ?? mod;
  // Formats (date-time, uri) are not checked: ajv-formats is not a dependency,
  // and Docker itself accepts what its Go parsers accept.
  const a = new Ajv({ strict: false, allErrors: false, validateFormats: false });
  for (const [name, schema] of Object.entries(FILES)) {
    a.addSchema({ ...(strip(schema) as object), $id: BASE + name });
  }
  ajv = a;
  return a;
}

export type OciDoc = 'config' | 'manifest' | 'index' | 'layout';
const FILE_OF: Record<OciDoc, string> = {
  config: 'config-schema.json',
  manifest: 'image-manifest-schema.json',
  index: 'image-index-schema.json',
  layout: 'image-layout-schema.json',
};

/** Throw BadRequestError naming `what` when `doc` is not a valid OCI `kind`. */
export function validateOci(kind: OciDoc, doc: unknown, what: string): void {
  const v = instance().getSchema(BASE + FILE_OF[kind]);
  if (!v) throw new Error(`oci schema ${kind} not registered`);
  if (!v(doc)) {
    const e = v.errors?.[0];
    throw new BadRequestError(`${what} is not a valid OCI image ${kind}: ${e?.instancePath || '/'} ${e?.message ?? 'invalid'}`);
  }
}
