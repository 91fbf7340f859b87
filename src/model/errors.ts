/**
 * Errors of the Compose side. Every error that reaches the user names, where it can,
 * the file, the line and column, and the path in the model (`services.web.ports[1]`),
 * so a bad compose file is found without a stack trace.
 */

export type ErrorCode =
  | 'E_YAML' // the file is not YAML, or YAML the loader cannot use
  | 'E_NOT_FOUND' // a file, service, or other referenced thing is missing
  | 'E_INTERPOLATION' // bad ${...} syntax or a required variable without value
  | 'E_DOTENV' // an env file that does not parse
  | 'E_SCHEMA' // the Compose-spec JSON Schema rejected the model
  | 'E_INVALID' // a semantic check failed (undefined network, mount twice, ...)
  | 'E_CYCLE' // depends_on / extends / include cycle
  | 'E_PROFILE' // a dependency on a service disabled by profiles
  | 'E_USAGE'; // bad command-line usage

/** Where in the compose files an error comes from. All parts are optional. */
export interface Where {
  file?: string;
  line?: number;
  col?: number;
  /** Dotted model path, arrays as `[i]`: `services.web.ports[1]`. */
  path?: string;
}

export class ComposeError extends Error {
  readonly code: ErrorCode;
  readonly where: Where;

  constructor(code: ErrorCode, message: string, where: Where = {}) {
    super(message);
    this.name = 'ComposeError';
    this.code = code;
    this.where = where;
  }

  /** A copy with more location facts; known facts are kept. */
  at(where: Where): ComposeError {
    const merged: Where = { ...where, ...definedOnly(this.where) };
    const e = new ComposeError(this.code, this.message, merged);
    return e;
  }

  /** `file:line:col: path: message`, leaving out what is not known. */
  format(): string {
    const { file, line, col, path } = this.where;
    let loc = '';
    if (file !== undefined) {
      loc = file;
      if (line !== undefined) loc += `:${line}`;
      if (line !== undefined && col !== undefined) loc += `:${col}`;
    }
    const parts = [loc, path ?? '', this.message].filter((p) => p !== '');
    return parts.join(': ');
  }
}

function definedOnly(w: Where): Where {
  const out: Where = {};
  if (w.file !== undefined) out.file = w.file;
  if (w.line !== undefined) out.line = w.line;
  if (w.col !== undefined) out.col = w.col;
  if (w.path !== undefined) out.path = w.path;
  return out;
}

export function isComposeError(e: unknown): e is ComposeError {
  return e instanceof ComposeError;
}
