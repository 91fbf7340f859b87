/**
 * Writing responses the way dockerd does: JSON bodies with a trailing newline,
 * errors as `{"message": …}` with the ApiError's status, and chunked streams of
 * JSON progress lines whose failures arrive in-band as `errorDetail` (the
 * status line is long gone by then).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, BadRequestError } from '../errors.js';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status);
  res.end();
}

/** The status and message a thrown value becomes: ApiErrors keep theirs, anything else is a 500. */
export function errorStatus(e: unknown): { status: number; message: string } {
  if (e instanceof ApiError) return { status: e.status, message: e.message };
  return { status: 500, message: e instanceof Error ? e.message : String(e) };
}

export function sendError(res: ServerResponse, e: unknown): void {
  const { status, message } = errorStatus(e);
  if (status === 304) return sendEmpty(res, 304);
  sendJson(res, status, { message });
}

/** A chunked `application/json` stream of progress messages (pull, import, load). */
export class JsonStream {
  readonly #res: ServerResponse;
  #ended = false;

  constructor(res: ServerResponse) {
    this.#res = res;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    // Progress is only useful when it arrives as it happens.
    res.flushHeaders();
  }

  write(message: Record<string, unknown>): void {
    if (!this.#ended) this.#res.write(`${JSON.stringify(message)}\n`);
  }

  /** Docker's in-band error: clients (docker CLI, docker-py) raise it as the call's error. */
  fail(e: unknown): void {
    const { message } = errorStatus(e);
    this.write({ errorDetail: { message }, error: message });
    this.end();
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#res.end();
  }
}

const MAX_JSON_BODY = 16 * 1024 * 1024;

/** The request body as JSON; an empty body is `undefined` (dockerd treats it as no options). */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BODY) throw new BadRequestError('request body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new BadRequestError(`invalid JSON: ${(e as Error).message}`);
  }
}
