/**
 * The flags every tscompose command shares (Docker Compose's global flags).
 * Only parsing lives here; meaning is given by src/loader/project-options.ts.
 */
import type { Command } from 'commander';
import type { CliProjectFlags } from '../loader/project-options.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function addGlobalFlags(program: Command): Command {
  return program
    .option('-f, --file <file>', 'Compose configuration files (repeatable; "-" reads stdin)', collect, [])
    .option('-p, --project-name <name>', 'Project name')
    .option('--project-directory <dir>', 'Alternate working directory (default: the directory of the first compose file)')
    .option('--workdir <dir>', 'Deprecated alias of --project-directory')
    .option('--profile <profile>', 'Profile to enable (repeatable)', collect, [])
    .option('--env-file <file>', 'Alternate environment file (repeatable)', collect, [])
    .option('--progress <mode>', 'Progress output: auto, tty, plain, json, quiet')
    .option('--ansi <when>', 'Control characters: never, always, auto', 'auto')
    .option('--parallel <n>', 'Maximum parallelism, -1 for unlimited', '-1')
    .option('--compatibility', 'Run in backward compatibility mode')
    .option('--all-resources', 'Include all resources, even those not used by services')
    .option('--dry-run', 'Execute command in dry run mode');
}

export interface GlobalFlags {
  file: string[];
  projectName?: string;
  projectDirectory?: string;
  workdir?: string;
  profile: string[];
  envFile: string[];
  allResources?: boolean;
}

export function projectFlags(g: GlobalFlags): CliProjectFlags {
  const out: CliProjectFlags = { files: g.file, profiles: g.profile, envFiles: g.envFile };
  if (g.projectName !== undefined) out.projectName = g.projectName;
  const dir = g.projectDirectory ?? g.workdir;
  if (dir !== undefined) out.projectDirectory = dir;
  return out;
}
