// The token flow against a live accountd: register, activate through the emailed link,
// log in, read the account, refresh, log out, and a problem on the way. The repository's
// clienttests start accountd and run this with ACCOUNTD_URL (its base URL) and
// ACCOUNTD_MAIL_DIR (the folder of its dir:// mailer) set; `make test` does that.
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";

import { AccountdError, createClient, Session, SessionEndedError, unwrap } from "../src/index.js";

const url = process.env.ACCOUNTD_URL;
const mailDir = process.env.ACCOUNTD_MAIL_DIR;

/** Decodes a quoted-printable body (RFC 2045): soft line breaks, then =XX bytes. */
function decodeQuotedPrintable(text: string): string {
  const joined = text.replace(/=\r?\n/g, "");
  const bytes = Buffer.from(joined.replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), "latin1");
  return bytes.toString("utf8");
}

/** Waits for the email to `to` and returns the token of the link in it. */
async function emailedToken(dir: string, to: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    for (const name of (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith(".eml"))) {
      const message = await readFile(join(dir, name), "utf8");
      if (!new RegExp(`^To: .*${to.replace(/[.+]/g, "\\$&")}`, "mi").test(message)) continue;
      const token = /[?&]token=([A-Za-z0-9._~-]+)/.exec(decodeQuotedPrintable(message))?.[1];
      if (!token) throw new Error(`the email to ${to} (${name}) has no link with a token`);
      return token;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no email to ${to} in ${dir} within 10 s`);
}

test("the token flow against a live accountd", { skip: url && mailDir ? false : "set ACCOUNTD_URL and ACCOUNTD_MAIL_DIR (make test does, through clienttests)" }, async (t) => {
  const api = createClient(url!);
  const suffix = Date.now().toString(36);
  const account = { username: `ts-${suffix}`, email: `ts-${suffix}@example.com`, password: "correct-horse-battery" };

  await t.test("a problem: a too short password", async () => {
    const result = await api.POST("/v1/auth/register", { body: { ...account, password: "short" } });
    assert.throws(() => unwrap(result), (err: unknown) => err instanceof AccountdError && err.status === 400 && err.code === "validation_failed" && err.field("password") !== undefined);
  });

  await t.test("register", async () => {
    const created = unwrap(await api.POST("/v1/auth/register", { body: account }));
    assert.equal(created.status, "activation_pending");
    assert.equal(created.account.username, account.username);
  });

  await t.test("log in before activation is refused", async () => {
    await assert.rejects(Session.login(api, account.username, account.password), (err: unknown) => err instanceof AccountdError && err.status === 403 && err.code === "account_inactive");
  });

  await t.test("activate through the emailed link", async () => {
    const token = await emailedToken(mailDir!, account.email);
    unwrap(await api.POST("/v1/auth/activate", { body: { token } }));
  });

  await t.test("a wrong password", async () => {
    await assert.rejects(Session.login(api, account.email, "wrong-password"), (err: unknown) => err instanceof AccountdError && err.status === 401 && err.code === "invalid_credentials" && !!err.requestId);
  });

  const session = await Session.login(api, account.email, account.password);

  await t.test("me", async () => {
    const me = await session.me();
    assert.equal(me.username, account.username);
    assert.equal(me.email, account.email);
  });

  await t.test("refresh, from many callers at once", async () => {
    const before = await session.accessToken();
    await Promise.all(Array.from({ length: 10 }, () => session.refresh()));
    const after = await session.accessToken();
    assert.notEqual(after, before);
    assert.equal((await session.me()).username, account.username);
    // The middleware way: every call of a client authenticated by the session.
    const authed = createClient(url!);
    authed.use(session.middleware);
    assert.equal(unwrap(await authed.GET("/v1/me")).username, account.username);
  });

  await t.test("log out", async () => {
    const token = await session.accessToken();
    await session.logout();
    await assert.rejects(session.me(), SessionEndedError);
    const result = await api.GET("/v1/me", { headers: { Authorization: `Bearer ${token}` } });
    assert.throws(() => unwrap(result), (err: unknown) => err instanceof AccountdError && err.status === 401);
  });
});
