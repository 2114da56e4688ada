/**
 * TypeScript client of accountd's canonical API (/v1).
 *
 * - `createClient` is an openapi-fetch client typed by `schema.ts` (generated from
 *   openapi.yaml by `make generate`), whose requests time out, and are retried on
 *   502/503/504 and network failures with one `Idempotency-Key` across the attempts.
 * - `unwrap` returns a response's data, or throws an `AccountdError` carrying the problem.
 * - `Session` holds a login's tokens and hands out a valid access token, refreshing it
 *   before it expires: one refresh at a time, each refresh token exchanged once.
 *
 * ```ts
 * const api = createClient("https://accounts.example.com");
 * const session = await Session.login(api, "ada", "correct-horse-battery");
 * api.use(session.middleware);                  // every call now carries the token
 * const me = unwrap(await api.GET("/v1/me"));
 * await session.logout();
 * ```
 */
import createFetchClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type { components, operations, paths } from "./schema.js";

type Schemas = components["schemas"];
export type Account = Schemas["Account"];
export type FieldError = Schemas["FieldError"];
export type Problem = Schemas["Problem"];
export type ProblemCode = Schemas["ProblemCode"];
export type RegisterRequest = Schemas["RegisterRequest"];
export type Registration = Schemas["Registration"];
export type TokenPair = Schemas["TokenPair"];

/** An openapi-fetch client of accountd's API. */
export type AccountdClient = Client<paths>;

/** The header with which accountd recognises a retried request. */
export const IDEMPOTENCY_KEY = "Idempotency-Key";

export interface ClientOptions {
  /** Sends one attempt (globalThis.fetch by default). */
  fetch?: (request: Request) => Promise<Response>;
  /** Bounds one attempt, from sending to the end of the answer's headers: 30 000 ms. */
  timeoutMs?: number;
  /** How many times one request is sent at most: 3 (1 never retries). */
  maxAttempts?: number;
  /** The longest Retry-After waited out before a retry: 10 000 ms. */
  maxRetryWaitMs?: number;
}

/**
 * A client of the accountd whose base URL is `baseUrl`. Every request but GET, HEAD and
 * OPTIONS carries an `Idempotency-Key`, the same on each of its attempts, so that a retry
 * after a lost answer gets that answer instead of doing the operation twice.
 */
export function createClient(baseUrl: string, options: ClientOptions = {}): AccountdClient {
  return createFetchClient<paths>({ baseUrl, fetch: retryingFetch(options) });
}

const RETRYABLE = new Set([502, 503, 504]);

function retryingFetch(options: ClientOptions): (request: Request) => Promise<Response> {
  const send = options.fetch ?? ((r: Request) => globalThis.fetch(r));
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 3);
  const maxWaitMs = options.maxRetryWaitMs ?? 10_000;
  return async (request) => {
    const headers = new Headers(request.headers);
    if (!["GET", "HEAD", "OPTIONS"].includes(request.method) && !headers.has(IDEMPOTENCY_KEY)) {
      headers.set(IDEMPOTENCY_KEY, crypto.randomUUID());
    }
    // Read once, sent again as is on every attempt (accountd's bodies are small JSON).
    const body = request.body === null ? undefined : await request.arrayBuffer();
    for (let attempt = 1; ; attempt++) {
      const signal = AbortSignal.any([request.signal, AbortSignal.timeout(timeoutMs)]);
      let response: Response | undefined;
      let failure: unknown;
      try {
        response = await send(new Request(request.url, { method: request.method, headers, body, signal }));
      } catch (err) {
        failure = err;
      }
      let waitMs = backoffMs(attempt);
      let again: boolean;
      if (response === undefined) {
        again = !request.signal.aborted; // the caller gave up: do not try again
      } else if (RETRYABLE.has(response.status)) {
        const after = retryAfterMs(response.headers);
        if (after !== undefined) waitMs = after;
        again = waitMs <= maxWaitMs;
      } else {
        again = false;
      }
      if (!again || attempt >= maxAttempts) {
        if (response === undefined) throw failure;
        return response;
      }
      await response?.body?.cancel();
      await sleep(waitMs, request.signal);
    }
  };
}

/** 200 ms doubled at each attempt, give or take half. */
function backoffMs(attempt: number): number {
  const base = 200 * 2 ** (attempt - 1);
  return base / 2 + Math.random() * base;
}

function retryAfterMs(headers: Headers): number | undefined {
  const value = headers.get("Retry-After");
  if (value === null) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** An answer of accountd with a status of 400 or more. */
export class AccountdError extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** The problem's stable code; undefined when the answer was not a problem. */
  readonly code?: ProblemCode;
  readonly title: string;
  readonly detail?: string;
  /** The fields at fault, for `validation_failed`. */
  readonly fields: FieldError[];
  /** Identifies the request in the server's logs: quote it when reporting. */
  readonly requestId?: string;
  /** When the server asks to be tried again (429, 503), in milliseconds. */
  readonly retryAfterMs?: number;
  /** The answer's body when it was not a problem. */
  readonly body?: unknown;

  constructor(response: Response, body: unknown) {
    const problem = isProblem(body) ? body : undefined;
    const title = problem?.title ?? (response.statusText || `HTTP ${response.status}`);
    const fields = problem?.errors ?? [];
    const where = `${response.status}${problem ? " " + problem.code : ""}`;
    const details = fields.map((f) => `${f.field ? f.field + ": " : ""}${f.code}: ${f.message}`).join("; ");
    super(`accountd: ${where}: ${title}${problem?.detail && problem.detail !== title ? ": " + problem.detail : ""}${details ? ` (${details})` : ""}`);
    this.name = "AccountdError";
    this.status = response.status;
    this.code = problem?.code;
    this.title = title;
    this.detail = problem?.detail;
    this.fields = fields;
    this.requestId = problem?.request_id ?? response.headers.get("X-Request-ID") ?? undefined;
    this.retryAfterMs = retryAfterMs(response.headers);
    this.body = problem ? undefined : body;
  }

  /** The error about one field ("password", "email", ...), if there is one. */
  field(name: string): FieldError | undefined {
    return this.fields.find((f) => f.field === name);
  }
}

function isProblem(body: unknown): body is Problem {
  return typeof body === "object" && body !== null && typeof (body as Problem).code === "string" && typeof (body as Problem).status === "number";
}

/**
 * The data of a successful answer; for any other, throws an `AccountdError`.
 *
 * ```ts
 * const tokens = unwrap(await api.POST("/v1/auth/login", { body: { login, password } }));
 * ```
 */
export function unwrap<D>(result: { data?: D; error?: unknown; response: Response }): D {
  if (!result.response.ok) throw new AccountdError(result.response, result.error);
  return result.data as D;
}

/** Thrown by a `Session` whose session is over: log in again. */
export class SessionEndedError extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`accountd: session ended: ${reason}; log in again`, options);
    this.name = "SessionEndedError";
  }
}

export interface SessionOptions {
  /** Refresh when the access token has this long left (a tenth of its lifetime, from 2 s to a minute; at most half of it). */
  refreshBeforeMs?: number;
  /** The clock, in milliseconds since the epoch (Date.now). */
  now?: () => number;
}

/**
 * A login's tokens. `accessToken()` returns a valid access token, refreshing it shortly
 * before it expires; calls made together share one refresh, and each refresh token is
 * exchanged once, with one `Idempotency-Key` across retries (refresh tokens are
 * single-use: presenting a spent one can end the session). A refresh refused with 401
 * ends the session: from then on every call throws `SessionEndedError`.
 */
export class Session {
  #access = "";
  #refresh = "";
  #key = "";
  #refreshAt = 0;
  #expiry = 0;
  #inflight?: Promise<void>;
  #ended?: SessionEndedError;
  readonly #now: () => number;
  readonly #early?: number;

  /**
   * Adds `Authorization: Bearer <access token>` to every request of a client:
   * `api.use(session.middleware)`. The refresh request itself goes without.
   */
  readonly middleware: Middleware = {
    onRequest: async ({ request, schemaPath }) => {
      if (schemaPath === "/v1/auth/refresh") return undefined;
      request.headers.set("Authorization", `Bearer ${await this.accessToken()}`);
      return request;
    },
  };

  constructor(
    readonly api: AccountdClient,
    tokens: TokenPair,
    options: SessionOptions = {},
  ) {
    this.#now = options.now ?? Date.now;
    this.#early = options.refreshBeforeMs;
    this.#set(tokens, this.#now());
  }

  /** Logs in (with a username or an email) and returns the session. */
  static async login(api: AccountdClient, login: string, password: string, options?: SessionOptions): Promise<Session> {
    const tokens = unwrap(await api.POST("/v1/auth/login", { body: { login, password } }));
    return new Session(api, tokens, options);
  }

  #set(tokens: TokenPair, sent: number): void {
    const lifetime = tokens.expires_in * 1000;
    // At least two seconds by default: the token's exp is in whole seconds, so it can end
    // up to a second before sent + expires_in, and the server allows no leeway.
    const early = Math.min(this.#early ?? Math.min(Math.max(lifetime / 10, 2_000), 60_000), lifetime / 2);
    this.#access = tokens.access_token;
    this.#refresh = tokens.refresh_token;
    this.#key = crypto.randomUUID();
    this.#expiry = sent + lifetime; // for a refresh, counted from the request: the server started no earlier
    this.#refreshAt = this.#expiry - early;
  }

  /** A valid access token, refreshed first when it is about to expire. */
  async accessToken(): Promise<string> {
    if (this.#ended) throw this.#ended;
    if (this.#now() < this.#refreshAt) return this.#access;
    try {
      await this.refresh();
    } catch (err) {
      // A passing failure (network, 503) while the token still works: use it.
      if (err instanceof SessionEndedError || this.#now() >= this.#expiry) throw err;
    }
    return this.#access;
  }

  /** Exchanges the refresh token now, or joins the exchange already under way. */
  refresh(): Promise<void> {
    if (this.#ended) return Promise.reject(this.#ended);
    this.#inflight ??= this.#exchange().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #exchange(): Promise<void> {
    const sent = this.#now();
    const result = await this.api.POST("/v1/auth/refresh", {
      body: { refresh_token: this.#refresh },
      headers: { [IDEMPOTENCY_KEY]: this.#key },
    });
    if (result.response.status === 401) {
      this.#ended = new SessionEndedError("the refresh token was refused", { cause: new AccountdError(result.response, result.error) });
      throw this.#ended;
    }
    this.#set(unwrap(result), sent);
  }

  /** The account of the session. */
  async me(): Promise<Account> {
    return unwrap(await this.api.GET("/v1/me", { headers: { Authorization: `Bearer ${await this.accessToken()}` } }));
  }

  /** Ends the session on the server (every session of the account with `all`). */
  async logout(all = false): Promise<void> {
    const token = await this.accessToken();
    unwrap(await this.api.POST("/v1/auth/logout", { body: { all }, headers: { Authorization: `Bearer ${token}` } }));
    this.#ended = new SessionEndedError("logged out");
  }
}
