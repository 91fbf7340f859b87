/**
 * `tscompose config`: flags of `docker compose config`, handed to src/compose/config.ts.
 */
import type { Command } from 'commander';
import { runConfig } from '../../compose/config.js';
import type { ConfigFlags } from '../../compose/config.js';
import { projectFlags } from '../global-flags.js';
import type { GlobalFlags } from '../global-flags.js';
import type { Io } from '../main.js';

export function registerConfigCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('config')
    .description('Parse, resolve and render compose file in canonical format')
    .argument('[services...]', 'Services to render (their profiles become active)')
    .option('--format <format>', 'Format the output. Values: [yaml | json]', 'yaml')
    .option('-q, --quiet', 'Only validate the configuration, don\'t print anything')
    .option('--services', 'Print the service names, one per line')
    .option('--volumes', 'Print the volume names, one per line')
    .option('--networks', 'Print the network names, one per line')
    .option('--images', 'Print the image names, one per line')
    .option('--profiles', 'Print the profile names, one per line')
    .option('--models', 'Print the model names, one per line')
    .option('--hash <services>', 'Print the service config hash, one per line ("*" for all)')
    .option('--variables', 'Print model variables and default values')
    .option('--environment', 'Print environment used for interpolation')
    .option('--no-interpolate', 'Don\'t interpolate environment variables')
    .option('--no-normalize', 'Don\'t normalize compose model')
    .option('--no-path-resolution', 'Don\'t resolve file paths')
    .option('--no-consistency', 'Don\'t check model consistency')
    .option('--no-env-resolution', 'Don\'t resolve service env files')
    .option('--resolve-image-digests', 'Pin image tags to digests (needs an engine; not supported yet)')
    .option('-o, --output <file>', 'Save to file (default to stdout)')
    .action((services: string[], opts: ConfigFlags, cmd: Command) => {
      const global = cmd.parent?.opts<GlobalFlags>() ?? ({ file: [], profile: [], envFile: [] } as GlobalFlags);
      setExit(runConfig(projectFlags(global), services, { ...opts, allResources: global.allResources === true }, io));
    });
}
