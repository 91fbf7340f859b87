/**
 * Errors found while building the spec at start time. dockerd reports any
 * createSpec failure as a system error (500: "not an error with the request
 * to start the container"), e.g. `unable to find user x: no matching entries
 * in passwd file`. Create-time validation uses BadRequestError (400) instead.
 */
import { ApiError } from '../errors.js';

export class SpecError extends ApiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(500, message, options);
  }
}
