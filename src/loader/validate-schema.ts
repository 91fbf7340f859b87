/**
 * Checks a compose tree against the Compose-spec JSON Schema and reports the first
 * problem the way compose-go does (schema/schema.go): of all failures, the most
 * specific one (deepest in the tree, an unknown key counting one level deeper),
 * worded as santhosh-tekuri/jsonschema words it, with compose-go's own wording for
 * type and bound errors:
 *
 *   validating compose.yaml: services.web additional properties 'foo' not allowed
 *   validating compose.yaml: services.web.ports must be a array
 *
 * The path in the message is compose-go's (indexes as `.0`); the error's `where`
 * carries ours (`services.web.ports[0]`) with the file position of that node.
 */
import { ComposeError } from '../model/errors.js';
import type { Where } from '../model/errors.js';
import type { Mapping, Value } from '../model/tree.js';
import { formatPath } from '../model/tree-path.js';
import type { Segment } from '../model/tree-path.js';
import type { LoadContext } from './context.js';
import { schemaValidator } from './schema.js';
import type { SchemaError } from './schema.js';

/**
 * Validate `tree` (one file's content merged onto the previous ones, after
 * interpolation and typed casts, as compose-go does). `file` is the name used in
 * the message, as the user gave it.
 */
export function validateSchema(tree: Mapping, ctx: LoadContext, file?: string): void {
  const validate = schemaValidator();
  if (validate(tree)) return;
  const errors = validate.errors ?? [];
  const picked = mostSpecific(errors);
  if (!picked) {
    throw new ComposeError('E_SCHEMA', prefix(file, 'invalid compose file'), locate(ctx, [], file));
  }
  const { segments, locateAt, text } = describe(picked, errors, tree);
  const goPath = segments.map(String).join('.');
  const message = goPath === '' ? text : `${goPath} ${text}`;
  throw new ComposeError('E_SCHEMA', prefix(file, message), locate(ctx, locateAt, file));
}

function prefix(file: string | undefined, message: string): string {
  return file === undefined ? message : `validating ${file}: ${message}`;
}

function locate(ctx: LoadContext, segments: readonly Segment[], file: string | undefined): Where {
  const where = ctx.sources.locate(formatPath(segments));
  if (where.file === undefined && file !== undefined) return { ...where, file };
  return where;
}

/** Keywords whose error only says "a sub-schema failed"; the real causes are listed beside them. */
function isGroupError(e: SchemaError): boolean {
  if (e.keyword === 'anyOf' || e.keyword === 'if' || e.keyword === 'allOf') return true;
  // oneOf with several matching branches has no causes: it is a leaf then.
  if (e.keyword === 'oneOf') return e.params['passingSchemas'] === null || e.params['passingSchemas'] === undefined;
  return false;
}

/** Depth in the instance, an unknown key one deeper: compose-go's specificity(). */
function specificity(e: SchemaError): number {
  const depth = e.instancePath === '' ? 0 : e.instancePath.split('/').length - 1;
  return e.keyword === 'additionalProperties' ? depth + 1 : depth;
}

/** The first error of the highest specificity among the leaves, as compose-go picks. */
function mostSpecific(errors: readonly SchemaError[]): SchemaError | undefined {
  let best: SchemaError | undefined;
  for (const e of errors) {
    if (isGroupError(e)) continue;
    if (!best || specificity(e) > specificity(best)) best = e;
  }
  return best ?? errors[0];
}

/** JSON pointer tokens of `instancePath`, typed as array indexes where the data is a list. */
function segmentsOf(instancePath: string, tree: Value): Segment[] {
  if (instancePath === '') return [];
  const out: Segment[] = [];
  let node: Value | undefined = tree;
  for (const raw of instancePath.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      const i = Number(token);
      out.push(i);
      node = node[i];
    } else {
      out.push(token);
      node = node !== null && typeof node === 'object' ? node[token] : undefined;
    }
  }
  return out;
}

function valueAt(tree: Value, segments: readonly Segment[]): Value | undefined {
  let node: Value | undefined = tree;
  for (const s of segments) {
    if (Array.isArray(node) && typeof s === 'number') node = node[s];
    else if (node !== null && typeof node === 'object' && !Array.isArray(node) && typeof s === 'string') node = node[s];
    else return undefined;
  }
  return node;
}

interface Described {
  /** Where the message says the problem is (compose-go reports the parent of an unknown key). */
  segments: Segment[];
  /** What to point the user at (the unknown key itself when there is one). */
  locateAt: Segment[];
  text: string;
}

function describe(e: SchemaError, all: readonly SchemaError[], tree: Mapping): Described {
  const segments = segmentsOf(e.instancePath, tree);
  const same = (k: string) => all.filter((o) => o.keyword === k && o.instancePath === e.instancePath && o.schemaPath === e.schemaPath);
  switch (e.keyword) {
    case 'type':
      return { segments, locateAt: segments, text: `must be a ${humanReadableType(typesOf(e.params['type']))}` };
    case 'additionalProperties': {
      const names = same('additionalProperties').map((o) => String(o.params['additionalProperty']));
      const first = names[0];
      const locateAt = first === undefined ? segments : [...segments, first];
      return { segments, locateAt, text: `additional properties ${names.map(quote).join(', ')} not allowed` };
    }
    case 'required': {
      const names = same('required').map((o) => String(o.params['missingProperty']));
      const word = names.length === 1 ? 'property' : 'properties';
      return { segments, locateAt: segments, text: `missing ${word} ${names.map(quote).join(', ')}` };
    }
    case 'minimum':
      return { segments, locateAt: segments, text: `must be greater than or equal to ${String(e.params['limit'])}` };
    case 'maximum':
      return { segments, locateAt: segments, text: `must be less than or equal to ${String(e.params['limit'])}` };
    case 'exclusiveMinimum':
      return { segments, locateAt: segments, text: `must be greater than ${String(e.params['limit'])}` };
    case 'exclusiveMaximum':
      return { segments, locateAt: segments, text: `must be less than ${String(e.params['limit'])}` };
    case 'enum':
      return { segments, locateAt: segments, text: enumText(enumValues(e)) };
    case 'const':
      return { segments, locateAt: segments, text: `value must be ${display(e.params['allowedValue'])}` };
    case 'pattern': {
      const got = valueAt(tree, segments);
      return {
        segments,
        locateAt: segments,
        text: `${quote(typeof got === 'string' ? got : JSON.stringify(got))} does not match pattern ${quote(String(e.params['pattern']))}`,
      };
    }
    case 'uniqueItems': {
      const pair = firstDuplicate(valueAt(tree, segments));
      const [i, j] = pair ?? [Number(e.params['j']), Number(e.params['i'])].sort((a, b) => a - b);
      return { segments, locateAt: [...segments, j ?? 0], text: `items at ${String(i)} and ${String(j)} are equal` };
    }
    case 'minItems':
    case 'maxItems':
    case 'minLength':
    case 'maxLength':
    case 'minProperties':
    case 'maxProperties': {
      const got = sizeOf(valueAt(tree, segments));
      return { segments, locateAt: segments, text: `${e.keyword}: got ${String(got)}, want ${String(e.params['limit'])}` };
    }
    case 'oneOf': {
      const passing = e.params['passingSchemas'];
      const list = Array.isArray(passing) ? passing.map(String).join(', ') : String(passing);
      return { segments, locateAt: segments, text: `oneOf failed, subschemas ${list} matched` };
    }
    case 'anyOf':
      return { segments, locateAt: segments, text: 'anyOf failed' };
    case 'not':
      return { segments, locateAt: segments, text: 'not failed' };
    case 'false schema':
      return { segments, locateAt: segments, text: 'false schema' };
    case 'dependencies':
    case 'dependentRequired':
      return {
        segments,
        locateAt: segments,
        text: `properties ${quote(String(e.params['missingProperty']))} required, if ${quote(String(e.params['property']))} exists`,
      };
    default:
      return { segments, locateAt: segments, text: e.message ?? `${e.keyword} failed` };
  }
}

function typesOf(t: unknown): string[] {
  if (Array.isArray(t)) return t.map(String);
  return String(t).split(',');
}

/** compose-go's humanReadableType: object reads "mapping", several types sorted and joined. */
function humanReadableType(want: string[]): string {
  const names = want.map((t) => (t === 'object' ? 'mapping' : t));
  if (names.length === 1) return names[0] ?? '';
  names.sort();
  return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1] ?? ''}`;
}

/** santhosh-tekuri's quote(): single quotes around a Go-escaped string. */
function quote(s: string): string {
  const escaped = JSON.stringify(s).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'");
  return `'${escaped}'`;
}

/** santhosh-tekuri's display(): strings quoted, other values as JSON. */
function display(v: unknown): string {
  return typeof v === 'string' ? quote(v) : JSON.stringify(v);
}

function enumValues(e: SchemaError): unknown[] {
  const allowed = e.params['allowedValues'];
  return Array.isArray(allowed) ? allowed : [];
}

function enumText(values: unknown[]): string {
  if (values.some((v) => typeof v === 'object' && v !== null)) return 'enum failed';
  if (values.length === 1) return `value must be ${display(values[0])}`;
  return `value must be one of ${values.map(display).join(', ')}`;
}

/** The first pair (i < j) of equal items, scanning forward as santhosh-tekuri does. */
function firstDuplicate(v: Value | undefined): [number, number] | undefined {
  if (!Array.isArray(v)) return undefined;
  const keys = v.map(canonical);
  for (let j = 1; j < keys.length; j++) {
    for (let i = 0; i < j; i++) if (keys[i] === keys[j]) return [i, j];
  }
  return undefined;
}

/** JSON with sorted keys, so equal mappings compare equal. */
function canonical(v: Value): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k] as Value)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function sizeOf(v: Value | undefined): number {
  if (Array.isArray(v)) return v.length;
  if (typeof v === 'string') return [...v].length;
  if (v !== null && typeof v === 'object') return Object.keys(v).length;
  return 0;
}
