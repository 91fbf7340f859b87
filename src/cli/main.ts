/**
 * The tscompose command line: flags only. Each command's behaviour lives in
 * src/compose/<verb>.ts; this file parses, dispatches and turns errors into a
 * message and an exit code (never a stack trace for a user error).
 */
import { Command, CommanderError } from 'commander';
import { isComposeError } from '../model/errors.js';
import { registerConfigCommand } from './commands/config.js';
import { registerEngineCommand } from './commands/engine.js';
import { addGlobalFlags } from './global-flags.js';

export const VERSION = '0.1.0';

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
}

export function defaultIo(): Io {
  return {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    cwd: process.cwd(),
    env: process.env,
  };
}

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('tscompose');
  program
    .description('Define and run multi-container applications, on a built-in engine')
    .version(VERSION, '-v, --version')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError(false);
  addGlobalFlags(program);
  registerConfigCommand(program, io, setExit);
  registerEngineCommand(program, io, setExit);
  program
    .command('version')
    .description('Show the tscompose version information')
    .option('-f, --format <format>', 'Format the output: pretty or json', 'pretty')
    .option('--short', 'Shows only the version number')
    .action((opts: { format: string; short?: boolean }) => {
      if (opts.short) io.stdout(`${VERSION}\n`);
      else if (opts.format === 'json') io.stdout(`${JSON.stringify({ version: VERSION })}\n`);
      else io.stdout(`tscompose version ${VERSION}\n`);
    });
  return program;
}

export async function main(argv: readonly string[], io: Io = defaultIo()): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; usage errors were already printed by commander.
      return e.exitCode;
    }
    if (isComposeError(e)) {
      io.stderr(`${e.format()}\n`);
      return 1;
    }
    const err = e as Error;
    io.stderr(`${err.message ?? String(e)}\n`);
    if (io.env['TSCOMPOSE_DEBUG']) io.stderr(`${err.stack ?? ''}\n`);
    return 1;
  }
}
