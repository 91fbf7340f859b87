/**
 * String `command:` / `entrypoint:` -> argument list, the way compose-go's
 * types.ShellCommand does it with mattn/go-shellwords (default parser: no
 * env expansion, no backtick execution). `config` prints the split list.
 *
 * Part of the canonical stage (see canonical.ts for the stage order).
 *
 * go-shellwords is not a POSIX shell, and its quirks are kept because they
 * decide what the container runs:
 * - a backslash escapes the next character everywhere except inside single
 *   quotes, also inside double quotes (`"a\b"` -> `ab`);
 * - parsing stops at the first unquoted `;`, `&`, `|`, `<` or `>`: the rest of
 *   the line is dropped (`echo a; echo b` -> `[echo, a]`);
 * - an unquoted `(` not preceded by `$` is an error, as are unterminated quotes.
 */

export class ShellwordsError extends Error {}

type Got = 'none' | 'single' | 'quoted';

export function splitShellwords(line: string): string[] {
  const args: string[] = [];
  let buf = '';
  let escaped = false;
  let doubleQuoted = false;
  let singleQuoted = false;
  let backQuote = false;
  let dollarQuote = false;
  let got: Got = 'none';

  loop: for (const r of line) {
    if (escaped) {
      buf += r;
      escaped = false;
      got = 'single';
      continue;
    }
    if (r === '\\') {
      if (singleQuoted) buf += r;
      else escaped = true;
      continue;
    }
    if (r === ' ' || r === '\t' || r === '\r' || r === '\n') {
      if (singleQuoted || doubleQuoted || backQuote || dollarQuote) {
        buf += r;
      } else if (got !== 'none') {
        args.push(buf);
        buf = '';
        got = 'none';
      }
      continue;
    }
    switch (r) {
      case '`':
        if (!singleQuoted && !doubleQuoted && !dollarQuote) backQuote = !backQuote;
        break;
      case ')':
        if (!singleQuoted && !doubleQuoted && !backQuote) dollarQuote = !dollarQuote;
        break;
      case '(':
        if (!singleQuoted && !doubleQuoted && !backQuote) {
          if (!dollarQuote && buf.endsWith('$')) {
            dollarQuote = true;
            buf += '(';
            continue;
          }
          throw new ShellwordsError(`invalid command line string: ${line}`);
        }
        break;
      case '"':
        if (!singleQuoted && !dollarQuote) {
          if (doubleQuoted) got = 'quoted';
          doubleQuoted = !doubleQuoted;
          continue;
        }
        break;
      case "'":
        if (!doubleQuoted && !dollarQuote) {
          if (singleQuoted) got = 'quoted';
          singleQuoted = !singleQuoted;
          continue;
        }
        break;
      case ';':
      case '&':
      case '|':
      case '<':
      case '>':
        if (!(singleQuoted || doubleQuoted || backQuote || dollarQuote)) {
          // `2>file`: the descriptor number is not an argument either.
          if (r === '>' && buf.length > 0 && buf[0] !== undefined && buf[0] >= '0' && buf[0] <= '9') {
            got = 'none';
          }
          break loop;
        }
        break;
      default:
        break;
    }
    got = 'single';
    buf += r;
  }

  if (got !== 'none') args.push(buf);
  if (escaped || singleQuoted || doubleQuoted || backQuote || dollarQuote) {
    throw new ShellwordsError(`invalid command line string: ${line}`);
  }
  return args;
}
