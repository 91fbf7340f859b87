/**
 * What every loader stage may read besides the tree itself. Stages are pure:
 * they take a tree and this context and return a new tree; the only side effect
 * allowed is `warn`.
 */
import type { Where } from '../model/errors.js';

export interface LoadOptions {
  /** Run ${...} interpolation (off: `config --no-interpolate`). */
  interpolate: boolean;
  /** Normalize the model (off: `config --no-normalize`). */
  normalize: boolean;
  /** Check references between services, networks, ... (off: `--no-consistency`). */
  consistency: boolean;
  /** Resolve relative paths to absolute ones against the working dir. */
  resolvePaths: boolean;
  /** Fill bare `environment` keys from the project environment and read env_file (off: `--no-env-resolution`). */
  resolveEnvironment: boolean;
}

export const DEFAULT_LOAD_OPTIONS: LoadOptions = {
  interpolate: true,
  normalize: true,
  consistency: true,
  resolvePaths: true,
  resolveEnvironment: true,
};

/** Where each model path was written: the last file that set it wins. */
export class SourceIndex {
  private readonly byPath = new Map<string, Where>();

  record(path: string, where: Where): void {
    this.byPath.set(path, where);
  }

  /** The position of `path`, or of its nearest recorded ancestor. */
  locate(path: string): Where {
    let p = path;
    for (;;) {
      const w = this.byPath.get(p);
      if (w) return { ...w, path };
      const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
      if (cut <= 0) return { path };
      p = p.slice(0, cut);
    }
  }
}

export interface LoadContext {
  /** Normalized project name. */
  projectName: string;
  /** Absolute project directory; relative paths resolve against it. */
  workingDir: string;
  /** The interpolation environment: OS env over .env / --env-file values. */
  environment: Readonly<Record<string, string>>;
  options: LoadOptions;
  sources: SourceIndex;
  warn(message: string): void;
}
