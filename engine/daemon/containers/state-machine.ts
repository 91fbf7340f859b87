/**
 * The container state machine in one place: created → running ⇄ paused,
 * running → exited → running (start again), any → removing. Routes and the
 * manager ask the guards; Docker's error texts and statuses live here so the
 * API answers the same whatever path led to the request.
 */
import { ApiError, ConflictError, NotModifiedError } from '../errors.js';

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export const STATUSES: readonly ContainerStatus[] = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead'];

/** What the guards need of a container's state. */
export interface StateView {
  Status: ContainerStatus;
}

export const isRunning = (s: StateView): boolean => s.Status === 'running' || s.Status === 'paused' || s.Status === 'restarting';

/** start: 304 when already running; paused containers must be unpaused first (dockerd). */
export function canStart(s: StateView): void {
  if (s.Status === 'paused') throw new ConflictError('cannot start a paused container, try unpause instead');
  if (s.Status === 'running' || s.Status === 'restarting') throw new NotModifiedError();
  if (s.Status === 'removing') throw new ConflictError('container is marked for removal and cannot be started');
  if (s.Status === 'dead') throw new ConflictError('container is marked for removal and cannot be started');
}

/** stop: 304 when not running. */
export function canStop(s: StateView): void {
  if (!isRunning(s)) throw new NotModifiedError();
}

/** kill: 409 when not running. */
export function canKill(s: StateView, id: string): void {
  if (!isRunning(s)) throw new ConflictError(`Container ${id} is not running`);
}

export function canPause(s: StateView, id: string): void {
  if (!isRunning(s)) throw new ConflictError(`Container ${id} is not running`);
  if (s.Status === 'paused') throw new ConflictError(`Container ${id} is already paused`);
  if (s.Status === 'restarting') throw new ConflictError(`Container ${id} is restarting, wait until the container is running`);
}

export function canUnpause(s: StateView, id: string): void {
  if (s.Status !== 'paused') throw new ConflictError(`Container ${id} is not paused`);
}

/** remove: running containers only with force; a removal in progress is a conflict. */
export function canRemove(s: StateView, id: string, force: boolean): void {
  if (s.Status === 'removing') throw new ConflictError(`removal of container ${id} is already in progress`);
  if (isRunning(s) && !force) {
    if (s.Status === 'paused') throw new ConflictError(`You cannot remove a paused container ${id}. Unpause and then stop the container before attempting removal or force remove`);
    throw new ConflictError(`You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`);
  }
}

/** The exit code dockerd records when a start fails (runc's message decides). */
export function startFailureExitCode(message: string): number {
  if (/executable file not found|no such file or directory/i.test(message)) return 127;
  if (/permission denied/i.test(message)) return 126;
  return 128;
}

/** Start failures are the request's fault (400) when the command cannot run, the system's (500) otherwise. */
export function startFailureError(message: string): ApiError {
  const code = startFailureExitCode(message);
  return new ApiError(code === 128 ? 500 : 400, message);
}
