/**
 * Defaults stage: values compose-go fills in for attributes a user may leave
 * out, on the canonical tree (compose-go transform.SetDefaultValues):
 * - `services.*.build`: `context: .` when missing (made absolute by paths);
 * - `services.*.secrets.*`: `target: /run/secrets/<source>` when missing;
 * - `services.*.ports.*`: `protocol: tcp`, `mode: ingress` when missing;
 * - `services.*.deploy.resources.reservations.devices.*` and `services.*.gpus.*`:
 *   `count: all` unless `count` or `device_ids` is given;
 * - `services.*.volumes.*.bind`: `create_host_path: true` when missing.
 * `depends_on` defaults (condition/required) are set by canonical already, and
 * `build.dockerfile: Dockerfile` by normalize, as in compose-go.
 *
 * Stage order (compose-go loader): per file ... -> canonical; then
 * **defaults** -> validate -> paths -> normalize (see canonical.ts).
 */
import { ComposeError } from '../model/errors.js';
import { formatPath, type Segment } from '../model/tree-path.js';
import { isMapping, type Mapping, type Value } from '../model/tree.js';
import { RuleTree } from './canonical-walk.js';
import type { LoadContext } from './context.js';

type Rule = (value: Value, path: readonly Segment[], ctx: LoadContext) => Value;

export function setDefaults(tree: Mapping, ctx: LoadContext): Mapping {
  return RULES.apply(tree, ctx);
}

function invalid(ctx: LoadContext, path: readonly Segment[], what: string, v: Value): ComposeError {
  const p = formatPath(path);
  const type = v === null ? 'null' : Array.isArray(v) ? 'list' : typeof v;
  return new ComposeError('E_INVALID', `${p}: invalid type ${type} for ${what}`, ctx.sources.locate(p));
}

/** Set `key` to `value` on a copy when absent. */
function withDefault(m: Mapping, key: string, value: Value): Mapping {
  return key in m ? m : { ...m, [key]: value };
}

// The children of build (build.secrets, ...) get no defaults: not walked further.
const buildContext: Rule = (v) => (isMapping(v) ? withDefault(v, 'context', '.') : v);

const secretTarget: Rule = (v, path, ctx) => {
  if (!isMapping(v)) throw invalid(ctx, path, 'secret', v);
  // compose-go formats the source with %s: a missing one prints as %!s(<nil>).
  const source = v['source'];
  return withDefault(v, 'target', `/run/secrets/${typeof source === 'string' ? source : String(source)}`);
};

const portDefaults: Rule = (v) => {
  if (!isMapping(v)) return v;
  return withDefault(withDefault(v, 'protocol', 'tcp'), 'mode', 'ingress');
};

const deviceRequest: Rule = (v, path, ctx) => {
  if (!isMapping(v)) throw invalid(ctx, path, 'device request', v);
  if ('count' in v || 'device_ids' in v) return v;
  return { ...v, count: 'all' };
};

const volumeBind: Rule = (v, path, ctx) => {
  if (v === null) return { create_host_path: true };
  if (!isMapping(v)) throw invalid(ctx, path, 'service volume bind', v);
  return withDefault(v, 'create_host_path', true);
};

const RULES = new RuleTree<LoadContext>(
  {
    'services.*.build': buildContext,
    'services.*.secrets.*': secretTarget,
    'services.*.ports.*': portDefaults,
    'services.*.deploy.resources.reservations.devices.*': deviceRequest,
    'services.*.gpus.*': deviceRequest,
    'services.*.volumes.*.bind': volumeBind,
  },
  { descend: false },
);
