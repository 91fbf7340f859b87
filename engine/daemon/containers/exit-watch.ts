/**
 * Notices a container's exit: fs.watch on the monitor's state dir for
 * exit.json (prompt), plus a poll (fs.watch can miss events, and a monitor
 * killed with SIGKILL writes nothing) that also checks the monitor and
 * container pids.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface ExitProbe {
  /** exit.json is there, or neither the monitor nor the container process is alive. */
  exited(): boolean;
}

export class ExitWatcher {
  readonly #dir: string;
  readonly #probe: ExitProbe;
  readonly #onExit: () => void;
  #watcher: fs.FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #fired = false;

  constructor(monitorDir: string, probe: ExitProbe, onExit: () => void, pollMs = 1000) {
    this.#dir = monitorDir;
    this.#probe = probe;
    this.#onExit = onExit;
    try {
      this.#watcher = fs.watch(monitorDir, (_event, file) => {
        if (file === null || file === 'exit.json') this.#check();
      });
      this.#watcher.on('error', () => this.#watcher?.close());
    } catch {
      // The poll still catches it.
    }
    this.#timer = setInterval(() => this.#check(), pollMs);
    this.#timer.unref();
    this.#check();
  }

  get exitFile(): string {
    return path.join(this.#dir, 'exit.json');
  }

  #check(): void {
    if (this.#fired || !this.#probe.exited()) return;
    this.#fired = true;
    this.close();
    this.#onExit();
  }

  close(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
