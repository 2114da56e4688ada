// The client's own behaviour, against a small stand-in server: retries with one
// Idempotency-Key, errors, and a Session's refreshes under concurrent callers.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";

import { AccountdError, createClient, IDEMPOTENCY_KEY, Session, SessionEndedError, unwrap } from "../src/index.js";

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

let handler: Handler = () => {};
let baseUrl = "";
const server = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => handler(req, body, res));
});

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

function problem(res: ServerResponse, status: number, code: string, opts: { errors?: unknown[]; headers?: Record<string, string> } = {}): void {
  res.writeHead(status, { "Content-Type": "application/problem+json", ...opts.headers });
  res.end(JSON.stringify({ type: `urn:accountd:problem:${code}`, title: "Problem", status, code, request_id: `req-${code}`, errors: opts.errors }));
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

const registration = { username: "ada", email: "ada@example.com", password: "correct-horse-battery" };

describe("retries", () => {
  test("every attempt of one call carries the same Idempotency-Key and body", async () => {
    const seen: { key: string | undefined; body: string }[] = [];
    handler = (req, body, res) => {
      seen.push({ key: req.headers[IDEMPOTENCY_KEY.toLowerCase()] as string | undefined, body });
      if (seen.length <= 2) return problem(res, 503, "unavailable", { headers: { "Retry-After": "0" } });
      json(res, 201, { status: "activation_pending", message: "ok", account: { ...registration, first_name: "", last_name: "", active: false } });
    };
    const api = createClient(baseUrl);
    const created = unwrap(await api.POST("/v1/auth/register", { body: registration }));
    assert.equal(created.status, "activation_pending");
    assert.equal(seen.length, 3);
    assert.ok(seen[0]?.key, "the first attempt has a key");
    for (const s of seen) assert.deepEqual(s, seen[0]);

    await api.POST("/v1/auth/register", { body: registration });
    assert.notEqual(seen[3]?.key, seen[0]?.key, "another call, another key");
  });

  test("4xx is not retried; a long Retry-After is returned, not waited", async () => {
    let n = 0;
    handler = (_req, _body, res) => {
      n++;
      problem(res, n === 1 ? 409 : 503, n === 1 ? "email_taken" : "unavailable", { headers: { "Retry-After": "3600" } });
    };
    const api = createClient(baseUrl);
    const r1 = await api.POST("/v1/auth/register", { body: registration });
    assert.equal(r1.response.status, 409);
    const r2 = await api.POST("/v1/auth/register", { body: registration });
    assert.equal(r2.response.status, 503);
    assert.equal(n, 2);
    assert.throws(() => unwrap(r2), (err: unknown) => err instanceof AccountdError && err.retryAfterMs === 3_600_000);
  });

  test("GET carries no key", async () => {
    let key: string | undefined = "unset";
    handler = (req, _body, res) => {
      key = req.headers["idempotency-key"] as string | undefined;
      json(res, 200, { status: "ok" });
    };
    await createClient(baseUrl).GET("/healthz");
    assert.equal(key, undefined);
  });
});

describe("AccountdError", () => {
  test("carries the problem", async () => {
    handler = (_req, _body, res) =>
      problem(res, 400, "validation_failed", { errors: [{ field: "password", code: "too_short", message: "must be at least 10 characters" }] });
    const result = await createClient(baseUrl).POST("/v1/auth/register", { body: registration });
    assert.throws(
      () => unwrap(result),
      (err: unknown) =>
        err instanceof AccountdError &&
        err.status === 400 &&
        err.code === "validation_failed" &&
        err.requestId === "req-validation_failed" &&
        err.field("password")?.code === "too_short" &&
        err.message.includes("password: too_short"),
    );
  });

  test("a non-problem answer keeps its body", async () => {
    handler = (_req, _body, res) => {
      res.writeHead(502, { "Content-Type": "text/html" });
      res.end("<h1>Bad gateway</h1>");
    };
    const result = await createClient(baseUrl, { maxAttempts: 1 }).GET("/v1/me");
    assert.throws(() => unwrap(result), (err: unknown) => err instanceof AccountdError && err.status === 502 && err.code === undefined && err.body === "<h1>Bad gateway</h1>");
  });
});

describe("Session", () => {
  // A stand-in for login and refresh with single-use refresh tokens.
  function tokenServer(opts: { delayMs?: number; refuse?: () => boolean } = {}) {
    const live = new Set<string>();
    const stats = { refreshes: 0, reuses: 0 };
    let n = 0;
    const issue = () => {
      n++;
      live.add(`r${n}`);
      return { access_token: `a${n}`, refresh_token: `r${n}`, token_type: "Bearer", expires_in: 60 };
    };
    handler = (req, body, res) => {
      if (req.url === "/v1/auth/login") return json(res, 200, issue());
      if (req.url === "/v1/auth/refresh") {
        stats.refreshes++;
        const token = (JSON.parse(body) as { refresh_token: string }).refresh_token;
        setTimeout(() => {
          if (opts.refuse?.()) return problem(res, 401, "refresh_token_invalid");
          if (!live.delete(token)) {
            stats.reuses++;
            return problem(res, 401, "refresh_token_invalid");
          }
          json(res, 200, issue());
        }, opts.delayMs ?? 0);
        return;
      }
      if (req.url === "/v1/me") return json(res, 200, { id: 7, username: "ada", auth: req.headers.authorization });
      problem(res, 404, "not_found");
    };
    return stats;
  }

  test("50 concurrent callers across three expiries: one refresh each, no reuse", async () => {
    const stats = tokenServer({ delayMs: 30 });
    let now = 1_800_000_000_000;
    const session = await Session.login(createClient(baseUrl), "ada", "pw", { now: () => now });
    const seen = new Set([await session.accessToken()]);
    for (let round = 1; round <= 3; round++) {
      now += 55_000; // past the refresh point, a tenth of the minute before expiry
      const tokens = await Promise.all(Array.from({ length: 50 }, () => session.accessToken()));
      assert.equal(new Set(tokens).size, 1, `round ${round}: callers got different tokens`);
      assert.ok(!seen.has(tokens[0]!), `round ${round}: not refreshed`);
      seen.add(tokens[0]!);
    }
    assert.deepEqual(stats, { refreshes: 3, reuses: 0 });
  });

  test("the middleware authenticates every call, the refresh included in none", async () => {
    tokenServer();
    let now = 1_800_000_000_000;
    const api = createClient(baseUrl);
    const session = await Session.login(api, "ada", "pw", { now: () => now });
    api.use(session.middleware);
    now += 55_000;
    const me = unwrap(await api.GET("/v1/me")) as unknown as { auth: string };
    assert.equal(me.auth, "Bearer a2");
  });

  test("a refused refresh ends the session for good", async () => {
    const stats = tokenServer({ refuse: () => true });
    let now = 1_800_000_000_000;
    const session = await Session.login(createClient(baseUrl), "ada", "pw", { now: () => now });
    now += 55_000;
    for (let i = 0; i < 2; i++) {
      await assert.rejects(session.accessToken(), (err: unknown) => err instanceof SessionEndedError && err.cause instanceof AccountdError && err.cause.code === "refresh_token_invalid");
    }
    assert.equal(stats.refreshes, 1);
  });
});
