/**
 * Engine API errors: each carries the HTTP status Docker uses for it, and is
 * sent as `{"message": …}`. Callers test kinds with the is* helpers, as
 * docker/compose's pkg/api/errors.go does.
 */

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApiError';
    this.status = status;
  }
}

/** 400: the request is malformed or names something invalid. */
export class BadRequestError extends ApiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(400, message, options);
  }
}

/** 404: no such container, image, volume, network or exec. */
export class NotFoundError extends ApiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(404, message, options);
  }
}

/** 409: the request conflicts with the current state (name in use, image in use, …). */
export class ConflictError extends ApiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(409, message, options);
  }
}

/** 304: nothing to do (container already started / stopped). */
export class NotModifiedError extends ApiError {
  constructor(message = '') {
    super(304, message);
  }
}

export const isNotFound = (e: unknown): e is NotFoundError => e instanceof NotFoundError;
export const isConflict = (e: unknown): e is ConflictError => e instanceof ConflictError;
export const isApiError = (e: unknown): e is ApiError => e instanceof ApiError;
