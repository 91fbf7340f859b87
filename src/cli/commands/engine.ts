/**
 * `tscompose engine start|stop|status`: flags of the built-in engine's
 * commands, handed to src/compose/engine.ts.
 */
import type { Command } from 'commander';
import { engineStart, engineStatus, engineStop } from '../../compose/engine.js';
import type { EngineFlags } from '../../compose/engine.js';
import type { Io } from '../main.js';

function addLocationFlags(cmd: Command): Command {
  return cmd
    .option('--host <host>', 'Engine socket (unix:///path; env TSCOMPOSE_HOST; default unix:///run/tscompose/engine.sock)')
    .option('--root <dir>', 'Engine state directory (env TSCOMPOSE_ROOT; default /var/lib/tscompose)');
}

export function registerEngineCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  const engine = program.command('engine').description('Manage the built-in container engine');
  addLocationFlags(engine.command('start').description('Start the engine daemon'))
    .option('--foreground', 'Run in the foreground, logging to stderr too, until interrupted')
    .option('--debug', 'Log every API request')
    .option('--timeout <seconds>', 'How long to wait for the engine to answer', '20')
    .action(async (opts: EngineFlags) => setExit(await engineStart(opts, io)));
  addLocationFlags(engine.command('stop').description('Stop the engine daemon (containers keep running)'))
    .option('--timeout <seconds>', 'How long to wait for the engine to exit', '15')
    .action(async (opts: EngineFlags) => setExit(await engineStop(opts, io)));
  addLocationFlags(engine.command('status').description('Show whether the engine runs, its pid, socket, root and version'))
    .option('--format <format>', 'Format the output: pretty or json', 'pretty')
    .action(async (opts: EngineFlags) => setExit(await engineStatus(opts, io)));
}
