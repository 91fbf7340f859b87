/**
 * Env files, read the way compose-go's dotenv package (v2.13) reads them:
 * `.env` / `--env-file` / `env_file:` all go through parseDotenv; the `raw`
 * env_file format (docker run --env-file rules, registered by docker compose)
 * goes through parseRawEnv. Line numbers in messages are compose-go's own
 * counter, quirks included, so an error points where compose points.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ComposeError } from '../model/errors.js';
import { goQuote, substitute } from './template.js';

export interface DotenvOptions {
  /** Outside values (OS or project environment); consulted before the file's own values. */
  lookup?: (name: string) => string | undefined;
  /** Named in errors. */
  file?: string;
  /** Receives interpolation warnings (unset variables). */
  warn?: (message: string) => void;
  /**
   * Parse into this map instead of a new one: its values are visible to
   * interpolation (after `lookup`) and are overridden by the file. compose-go
   * parses several files into one map this way.
   */
  into?: Map<string, string>;
}

// Go unicode.IsSpace (JS \s differs: it has U+FEFF, lacks U+0085).
const UNICODE_SPACE = /[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]/u;
// compose-go isSpace: spaces that are not a line break.
const LINE_SPACE = new Set(['\t', '\v', '\f', '\r', ' ', '\u0085', '\u00A0']);
// Go regexp `^export\s+`: \s is ASCII [\t\n\f\r ].
const EXPORT_PREFIX = /^export[\t\n\f\r ]+/;
// `\` escapes understood inside double quotes (XSI echo), everything else stays literal.
const ESCAPE_SEQUENCE = /\\(?:[abcfnrtv$"\\]|0\d{0,3})/g;

function isUnicodeSpace(ch: string): boolean {
  return UNICODE_SPACE.test(ch);
}

function trimLeft(s: string, pred: (ch: string) => boolean): string {
  let i = 0;
  for (const ch of s) {
    if (!pred(ch)) break;
    i += ch.length;
  }
  return s.slice(i);
}

function trimRight(s: string, pred: (ch: string) => boolean): string {
  const chars = Array.from(s);
  let end = chars.length;
  while (end > 0 && pred(chars[end - 1] ?? '')) end--;
  return chars.slice(0, end).join('');
}

function isKeyChar(ch: string): boolean {
  return '_.-[]'.includes(ch) || /^[\p{L}\p{N}]$/u.test(ch);
}

/** `KEY=VAL` env file (compose-go dotenv.ParseWithLookup): insertion-ordered map. */
export function parseDotenv(content: string, opts: DotenvOptions = {}): Map<string, string> {
  const out = opts.into ?? new Map<string, string>();
  // Editors on Windows like to add a BOM; compose skips it.
  const src = content.startsWith('\uFEFF') ? content.slice(1) : content;
  new DotenvParser(opts, out).parse(src);
  return out;
}

class DotenvParser {
  private line = 1;
  private readonly opts: DotenvOptions;
  private readonly out: Map<string, string>;

  constructor(opts: DotenvOptions, out: Map<string, string>) {
    this.opts = opts;
    this.out = out;
  }

  parse(src: string): void {
    let cutset = src;
    for (;;) {
      cutset = this.statementStart(cutset);
      if (cutset === '') return;
      const statementLine = this.line;
      const { key, rest, inherited } = this.locateKey(cutset);
      if (key.includes(' ')) throw this.error(`line ${this.line}: key cannot contain a space`);
      if (inherited) {
        // A bare `KEY` line takes its value from outside, or is left out.
        const v = this.opts.lookup?.(key);
        if (v !== undefined) this.out.set(key, v);
        cutset = rest;
        continue;
      }
      const { value, rest: after } = this.extractValue(rest, statementLine);
      this.out.set(key, value);
      cutset = after;
    }
  }

  /** Skips blank space and comment lines, counting newlines. */
  private statementStart(src: string): string {
    let s = src;
    for (;;) {
      let pos = -1;
      let i = 0;
      for (const ch of s) {
        if (ch === '\n') this.line++;
        if (!isUnicodeSpace(ch)) {
          pos = i;
          break;
        }
        i += ch.length;
      }
      if (pos === -1) return '';
      s = s.slice(pos);
      if (s[0] !== '#') return s;
      const nl = s.indexOf('\n');
      if (nl === -1) return '';
      s = s.slice(nl);
    }
  }

  private locateKey(input: string): { key: string; rest: string; inherited: boolean } {
    let src = input;
    if (EXPORT_PREFIX.test(src)) src = trimLeft(src.slice('export'.length), (c) => LINE_SPACE.has(c));

    let key = '';
    let offset = 0;
    let inherited = false;
    let i = 0;
    for (const ch of src) {
      if (LINE_SPACE.has(ch)) {
        i += ch.length;
        continue;
      }
      if (ch === '=' || ch === ':' || ch === '\n') {
        key = src.slice(0, i);
        offset = i + 1;
        inherited = ch === '\n';
        break;
      }
      if (!isKeyChar(ch)) {
        throw this.error(
          `line ${this.line}: unexpected character ${goQuote(ch)} in variable name ${goQuote(src.split('\n')[0] ?? '')}`,
        );
      }
      i += ch.length;
    }
    // No terminator before the end: compose reads the whole rest as the value
    // of an empty key (key "" and offset 0 above), and so do we.
    if (src === '') throw this.error('zero length string');
    // compose-go counts the newline that ends a bare `KEY` line here.
    if (inherited && !key.includes(' ')) this.line++;
    return {
      key: trimRight(key, isUnicodeSpace),
      rest: trimLeft(src.slice(offset), (c) => LINE_SPACE.has(c)),
      inherited,
    };
  }

  private extractValue(src: string, statementLine: number): { value: string; rest: string } {
    const quote = src[0];
    if (quote !== '"' && quote !== "'") {
      const nl = src.indexOf('\n');
      let value = nl === -1 ? src : src.slice(0, nl);
      const rest = nl === -1 ? '' : src.slice(nl + 1);
      this.line++;
      // Only ` #` starts an inline comment: `a#b` is a value.
      const hash = value.indexOf(' #');
      if (hash !== -1) value = value.slice(0, hash);
      value = trimRight(value, isUnicodeSpace);
      return { value: this.expand(value, statementLine), rest };
    }

    const quoted = this.extractQuoted(src, quote);
    if (quoted === undefined) {
      const nl = src.indexOf('\n');
      throw this.error(`line ${this.line}: unterminated quoted value ${nl === -1 ? src : src.slice(0, nl)}`);
    }
    if (quote === "'") return quoted;
    return { value: this.expand(expandEscapes(quoted.value), statementLine), rest: quoted.rest };
  }

  /** Up to the closing quote; `\<quote>` loses its backslash, other escapes are kept for later. */
  private extractQuoted(src: string, quote: string): { value: string; rest: string } | undefined {
    let escaped = false;
    let value = '';
    for (let i = 1; i < src.length; i++) {
      const ch = src[i] ?? '';
      if (ch === '\n') this.line++;
      if (escaped) {
        escaped = false;
        if (ch !== quote) value += '\\';
        value += ch;
        continue;
      }
      if (ch === '\\') escaped = true;
      else if (ch === quote) return { value, rest: src.slice(i + 1) };
      else value += ch;
    }
    return undefined;
  }

  private expand(value: string, statementLine: number): string {
    const lookup = (name: string): string | undefined => this.opts.lookup?.(name) ?? this.out.get(name);
    try {
      return substitute(value, this.opts.warn ? { lookup, warn: this.opts.warn } : { lookup });
    } catch (e) {
      if (e instanceof ComposeError) throw e.at(this.where(statementLine));
      throw e;
    }
  }

  private where(line: number): { file?: string; line: number } {
    return this.opts.file !== undefined ? { file: this.opts.file, line } : { line };
  }

  private error(message: string): ComposeError {
    return new ComposeError('E_DOTENV', message, this.where(this.line));
  }
}

/** Double-quote escapes: \a \b \f \n \r \t \v \\ \" \0NNN octal; `\$` becomes `$$` so interpolation leaves a literal `$`. */
function expandEscapes(s: string): string {
  return s.replace(ESCAPE_SEQUENCE, (m) => {
    if (m === '\\$') return '$$';
    const c = m.slice(1);
    switch (c) {
      case 'a':
        return '\x07';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'v':
        return '\v';
      case '"':
        return '"';
      case '\\':
        return '\\';
    }
    // `\0NNN`: Go's UnquoteChar wants exactly three octal digits <= 0377 after the `\`.
    const digits = c.slice(1);
    if (/^[0-7]{3}$/.test(digits)) {
      const n = parseInt(digits, 8);
      if (n <= 0o377) return String.fromCharCode(n);
    }
    return m;
  });
}

/**
 * The `raw` env_file format: docker's --env-file parser (docker/cli kvfile).
 * No quotes, no comments after values, no interpolation: the value is the
 * rest of the line after the first `=`, trailing spaces included.
 */
export function parseRawEnv(content: string, opts: DotenvOptions = {}): Map<string, string> {
  const out = opts.into ?? new Map<string, string>();
  const lines = content.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, idx) => {
    let text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (idx === 0 && text.startsWith('\uFEFF')) text = text.slice(1);
    const line = trimLeft(text, isUnicodeSpace);
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const key = eq === -1 ? line : line.slice(0, eq);
    const fail = (msg: string): ComposeError => {
      const where = opts.file !== undefined ? { file: opts.file, line: idx + 1 } : { line: idx + 1 };
      return new ComposeError('E_DOTENV', msg, where);
    };
    if (key === '') throw fail(`no variable name on line '${line}'`);
    if (/[ \t]/.test(key)) throw fail(`variable '${key}' contains whitespaces`);
    if (eq !== -1) {
      out.set(key, line.slice(eq + 1));
      return;
    }
    const v = opts.lookup?.(line);
    if (v !== undefined) out.set(key, v);
  });
  return out;
}

/**
 * Several env files, later ones override earlier; lookups inside a file consult opts.lookup (OS env) first,
 * then values already parsed, as compose-go GetEnvFromFile. Missing file: ComposeError E_NOT_FOUND naming it.
 */
export function readEnvFiles(
  paths: readonly string[],
  lookup: (name: string) => string | undefined,
  opts: { warn?: (message: string) => void } = {},
): Map<string, string> {
  const env = new Map<string, string>();
  for (const p of paths) {
    const abs = path.resolve(p);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch {
      throw new ComposeError('E_NOT_FOUND', `couldn't find env file: ${abs}`, { file: abs });
    }
    if (stat.isDirectory()) throw new ComposeError('E_NOT_FOUND', `${abs} is a directory`, { file: abs });
    const content = fs.readFileSync(abs, 'utf8');
    const dotenvOpts: DotenvOptions = { lookup, file: abs, into: env };
    if (opts.warn) dotenvOpts.warn = opts.warn;
    parseDotenv(content, dotenvOpts);
  }
  return env;
}

/** compose-go ReadWithLookup drops keys starting with a digit; Load/ParseWithLookup (env_file) keep them. */
export function withoutDigitLeadingKeys(env: Map<string, string>): Map<string, string> {
  return new Map([...env].filter(([k]) => !/^\s*\d/.test(k)));
}
