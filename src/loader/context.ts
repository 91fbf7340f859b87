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

/** Reads the positions of one file's keys and items (src/loader/positions.ts). */
export type PositionIndexer = (file: string, text: string, record: (path: string, where: Where) => void) => void;

/**
 * Where each model path was written: the last file that set it wins. Files are
 * registered as they are read and indexed only when a position is asked for,
 * that is when an error is reported, so loading a valid project pays nothing.
 */
export class SourceIndex {
  private readonly byPath = new Map<string, Where>();
  private readonly pending: Array<{ file: string; text: string }> = [];
  private readonly indexer: PositionIndexer | undefined;

  constructor(indexer?: PositionIndexer) {
    this.indexer = indexer;
  }

  record(path: string, where: Where): void {
    this.byPath.set(path, where);
  }

  /** Register a file whose positions are read on first `locate`. */
  addFile(file: string, text: string): void {
    if (this.indexer) this.pending.push({ file, text });
  }

  private indexPending(): void {
    if (!this.indexer) return;
    for (const { file, text } of this.pending.splice(0)) this.indexer(file, text, (p, w) => this.record(p, w));
  }

  /** The position of `path`, or of its nearest recorded ancestor. */
  locate(path: string): Where {
    this.indexPending();
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
