/**
 * `${...}` interpolation, behaving like compose-go's template package (v2.13):
 * the same regular expression, the same "first closing brace" split, the same
 * operator choice, lazy defaults and the same messages. compose-go is regexp
 * driven and has quirks a hand-written grammar would not reproduce (a lone `$`
 * stays literal, `${FOO-a} ${BAR}` is matched as one piece and then split), so
 * this module follows its algorithm step by step rather than a cleaner parser.
 */
import { ComposeError } from '../model/errors.js';
import type { Value } from '../model/tree.js';
import { isMapping } from '../model/tree.js';

export interface SubstituteOptions {
  lookup: (name: string) => string | undefined;
  /** For an unset variable without default; message exactly: The "VAR" variable is not set. Defaulting to a blank string. */
  warn?: (message: string) => void;
}

/** One variable reference, as compose-go template.ExtractVariables reports it. */
export interface VariableUse {
  name: string;
  defaultValue?: string;
  presenceValue?: string;
  required: boolean;
}

/** A `${...}` the grammar rejects. `template` is the text being substituted when it failed (compose-go reports that one). */
export class InvalidTemplateError extends ComposeError {
  readonly template: string;

  constructor(template: string) {
    super('E_INTERPOLATION', `Invalid template: ${goQuote(template)}`);
    this.name = 'InvalidTemplateError';
    this.template = template;
  }
}

/** `${VAR:?msg}` / `${VAR?msg}` on a variable without (acceptable) value. */
export class MissingRequiredError extends ComposeError {
  readonly variable: string;
  readonly reason: string;

  constructor(variable: string, reason: string) {
    super(
      'E_INTERPOLATION',
      reason !== ''
        ? `required variable ${variable} is missing a value: ${reason}`
        : `required variable ${variable} is missing a value`,
    );
    this.name = 'MissingRequiredError';
    this.variable = variable;
    this.reason = reason;
  }
}

// compose-go: \$(?i:(?P<escaped>\$)|(?P<named>NAME)|{(?:(?P<braced>NAME(?::?[-+?](.*))?)}|(?P<invalid>)))
// Go's `.` excludes only '\n' (JS's also excludes \r, U+2028, U+2029), hence [^\n].
// The `u` flag makes `i` fold like Go (ſ matches s, the Kelvin sign matches k).
const PATTERN =
  String.raw`\$(?:(?<escaped>\$)|(?<named>[_a-z][_a-z0-9]*)|\{(?:(?<braced>[_a-z][_a-z0-9]*(?::?[-+?][^\n]*)?)\}|(?<invalid>)))`;
const ANCHORED = new RegExp(PATTERN, 'iuy');

/** Operators in compose-go's table order; the earliest one in the match wins. */
const OPERATORS = [':?', '?', ':-', '-', ':+', '+'] as const;
type Operator = (typeof OPERATORS)[number];

/** Raised inside a level; the level that catches it knows the template text. */
class InvalidHere extends Error {}

interface Groups {
  escaped?: string | undefined;
  named?: string | undefined;
  braced?: string | undefined;
}

export function substitute(template: string, opts: SubstituteOptions): string {
  return substituteLevel(template, opts);
}

/**
 * One compose-go SubstituteWithOptions call: every match is replaced, the
 * first error wins, later matches still run (and may still warn) as in Go.
 */
function substituteLevel(template: string, opts: SubstituteOptions): string {
  let firstError: ComposeError | undefined;
  const out = template.replace(new RegExp(PATTERN, 'giu'), (match: string) => {
    try {
      return replaceMatch(match, opts);
    } catch (e) {
      const err = e instanceof InvalidHere ? new InvalidTemplateError(template) : e;
      if (!(err instanceof ComposeError)) throw err;
      firstError ??= err;
      return '';
    }
  });
  if (firstError !== undefined) throw firstError;
  return out;
}

function replaceMatch(match: string, opts: SubstituteOptions): string {
  // The operator is chosen on the whole match, before the split (compose-go order).
  const op = operatorOf(match);
  const close = firstBraceClosingIndex(match);
  const head = close > -1 ? match.slice(0, close + 1) : match;
  const rest = close > -1 ? match.slice(close + 1) : '';

  ANCHORED.lastIndex = 0;
  const m = ANCHORED.exec(head);
  const groups: Groups = m?.groups ?? {};
  if (groups.escaped) return groups.escaped;

  let braced = false;
  let substitution = groups.named ?? '';
  if (substitution === '') {
    substitution = groups.braced ?? '';
    braced = true;
  }
  if (substitution === '') throw new InvalidHere();

  if (braced && op !== undefined) {
    const value = applyOperator(op, substitution, opts);
    if (value !== undefined) return value + substituteLevel(rest, opts);
  }

  const value = opts.lookup(substitution);
  if (value === undefined) {
    opts.warn?.(`The ${goQuote(substitution)} variable is not set. Defaulting to a blank string.`);
    return '';
  }
  return value;
}

/** Applies `op`; undefined when the operator is not in the text (compose-go "not applied"). */
function applyOperator(op: Operator, substitution: string, opts: SubstituteOptions): string | undefined {
  const at = substitution.indexOf(op);
  if (at < 0) return undefined;
  const name = substitution.slice(0, at);
  const arg = substitution.slice(at + op.length);
  const value = opts.lookup(name);
  // Branches are evaluated only when taken, so an unused default never warns.
  switch (op) {
    case ':?':
    case '?':
      if (value === undefined || (op === ':?' && value === '')) {
        throw new MissingRequiredError(name, substituteLevel(arg, opts));
      }
      return value;
    case ':-':
    case '-':
      if (value === undefined || (op === ':-' && value === '')) return substituteLevel(arg, opts);
      return value;
    case ':+':
    case '+':
      if (value !== undefined && (op === '+' || value !== '')) return substituteLevel(arg, opts);
      return value ?? '';
  }
}

function operatorOf(text: string): Operator | undefined {
  let best: Operator | undefined;
  let bestAt = Infinity;
  for (const op of OPERATORS) {
    const at = text.indexOf(op);
    if (at >= 0 && at < bestAt) {
      best = op;
      bestAt = at;
    }
  }
  return best;
}

/**
 * compose-go getFirstBraceClosingIndex, quirk included: the character right
 * after each `{` is skipped, so `{}` inside a default does not balance.
 */
function firstBraceClosingIndex(s: string): number {
  let open = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '}') {
      open--;
      if (open === 0) return i;
    }
    if (s[i] === '{') {
      open++;
      i++;
    }
  }
  return -1;
}

/** Variables referenced by one string, in compose-go extractVariable order (nested ones included). */
export function extractVariables(template: string): VariableUse[] {
  const out: VariableUse[] = [];
  for (const m of template.matchAll(new RegExp(PATTERN, 'giu'))) {
    const groups: Groups = m.groups ?? {};
    if (groups.escaped) continue;
    let val = groups.named ?? '';
    if (val === '') {
      val = groups.braced ?? '';
      const s = m[0];
      const i = firstBraceClosingIndex(s);
      if (i > 0) {
        val = s.slice(2, i);
        if (s.length > i) out.push(...extractVariables(s.slice(i + 1)));
      }
    }
    const use = splitVariable(val);
    // compose-go also reports an invalid `${` as a variable with an empty name; nobody can use that.
    if (use.name !== '') out.push(use);
    if (use.defaultValue !== undefined) out.push(...extractVariables(use.defaultValue));
    if (use.presenceValue !== undefined) out.push(...extractVariables(use.presenceValue));
  }
  return out;
}

function splitVariable(val: string): VariableUse {
  const i = val.search(/[^A-Za-z0-9_]/);
  if (i <= 0) return { name: val, required: false };
  const use: VariableUse = { name: val.slice(0, i), required: false };
  const rest = val.slice(i);
  if (rest.startsWith(':?') || rest.startsWith('?')) use.required = true;
  else if (rest.startsWith(':-')) setIfNotEmpty(use, 'defaultValue', rest.slice(2));
  else if (rest.startsWith('-')) setIfNotEmpty(use, 'defaultValue', rest.slice(1));
  else if (rest.startsWith(':+')) setIfNotEmpty(use, 'presenceValue', rest.slice(2));
  else if (rest.startsWith('+')) setIfNotEmpty(use, 'presenceValue', rest.slice(1));
  return use;
}

// compose-go keeps these as plain strings where "" means none.
function setIfNotEmpty(use: VariableUse, key: 'defaultValue' | 'presenceValue', v: string): void {
  if (v !== '') use[key] = v;
}

/**
 * All variables of a tree's values (keys are never interpolated), merged per
 * name as compose-go recurseExtract/mergeVariable: required sticks, a default
 * or alternative value seen once is kept.
 */
export function extractTreeVariables(value: Value): Map<string, VariableUse> {
  const out = new Map<string, VariableUse>();
  const visit = (v: Value): void => {
    if (typeof v === 'string') {
      for (const use of extractVariables(v)) out.set(use.name, mergeVariable(out.get(use.name), use));
    } else if (Array.isArray(v)) {
      v.forEach(visit);
    } else if (isMapping(v)) {
      Object.values(v).forEach(visit);
    }
  };
  visit(value);
  return out;
}

function mergeVariable(existing: VariableUse | undefined, next: VariableUse): VariableUse {
  if (existing === undefined) return next;
  const merged: VariableUse = { ...next, required: next.required || existing.required };
  if (merged.defaultValue === undefined && existing.defaultValue !== undefined) {
    merged.defaultValue = existing.defaultValue;
  }
  if (merged.presenceValue === undefined && existing.presenceValue !== undefined) {
    merged.presenceValue = existing.presenceValue;
  }
  return merged;
}

/**
 * Go's strconv.Quote (what `%q` / `%#v` print for a string), so messages
 * read exactly like compose's: printable runes kept, others escaped.
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (ch === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch)) out += ch;
    else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return out + '"';
}
