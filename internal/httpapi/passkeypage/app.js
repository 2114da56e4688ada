// The passkey page: both WebAuthn ceremonies with the browser's own API, against
// accountd's /v1 API on the same origin. Tokens live in memory only: reloading the page
// signs out.
"use strict";

const state = { access: "", refresh: "", challenge: null };
const $ = (id) => document.getElementById(id);

// base64url <-> ArrayBuffer: WebAuthn's JSON form carries bytes as base64url.
function fromB64(s) {
  const b = atob(s.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(s.length / 4) * 4, "="));
  return Uint8Array.from(b, (c) => c.charCodeAt(0)).buffer;
}
function toB64(buf) {
  let s = "";
  for (const x of new Uint8Array(buf)) s += String.fromCharCode(x);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function creationOptions(o) {
  const p = structuredClone(o);
  p.challenge = fromB64(p.challenge);
  p.user.id = fromB64(p.user.id);
  for (const c of p.excludeCredentials || []) c.id = fromB64(c.id);
  return p;
}
function requestOptions(o) {
  const p = structuredClone(o);
  p.challenge = fromB64(p.challenge);
  for (const c of p.allowCredentials || []) c.id = fromB64(c.id);
  return p;
}

// credentialJSON is PublicKeyCredential.toJSON(), written out for browsers without it.
function credentialJSON(c) {
  if (typeof c.toJSON === "function") return c.toJSON();
  const r = c.response, out = { id: c.id, rawId: toB64(c.rawId), type: c.type, clientExtensionResults: c.getClientExtensionResults(), response: { clientDataJSON: toB64(r.clientDataJSON) } };
  if (r.attestationObject) {
    out.response.attestationObject = toB64(r.attestationObject);
    out.response.transports = r.getTransports ? r.getTransports() : [];
  } else {
    out.response.authenticatorData = toB64(r.authenticatorData);
    out.response.signature = toB64(r.signature);
    if (r.userHandle) out.response.userHandle = toB64(r.userHandle);
  }
  return out;
}

async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (state.access) headers["Authorization"] = "Bearer " + state.access;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const data = text ? JSON.parse(text) : {};
  if (!res.ok) {
    const err = new Error(data.detail || data.title || res.statusText);
    err.problem = data;
    throw err;
  }
  return data;
}

function say(text, error) {
  $("status").textContent = text;
  $("status").className = error ? "error" : "";
}

async function signedIn(tokens) {
  state.access = tokens.access_token;
  state.refresh = tokens.refresh_token;
  state.challenge = null;
  const me = await api("GET", "/v1/me");
  $("me").textContent = "Signed in as " + me.username + ".";
  $("signed-out").hidden = true;
  $("signed-in").hidden = false;
  $("code-form").hidden = true;
  await listPasskeys();
}

async function listPasskeys() {
  const list = await api("GET", "/v1/me/passkeys");
  $("passkeys").replaceChildren(...list.items.map((p) => {
    const li = document.createElement("li");
    li.textContent = p.name + (p.last_used_at ? " (last used " + new Date(p.last_used_at).toLocaleString() + ")" : "");
    return li;
  }));
}

async function passkeyLogin() {
  const begin = await api("POST", "/v1/auth/passkey/begin");
  const cred = await navigator.credentials.get({ publicKey: requestOptions(begin.options) });
  await signedIn(await api("POST", "/v1/auth/passkey/finish", { ceremony: begin.ceremony, credential: credentialJSON(cred) }));
  say("Signed in with a passkey.");
}

async function passwordLogin(ev) {
  ev.preventDefault();
  try {
    await signedIn(await api("POST", "/v1/auth/login", { login: $("login").value, password: $("password").value }));
    say("Signed in with the password.");
  } catch (err) {
    if (err.problem && err.problem.code === "mfa_required") {
      state.challenge = err.problem.mfa;
      $("code-form").hidden = false;
      $("mfa-passkey").hidden = !state.challenge.methods.includes("passkey");
      say("This account has a second factor.");
      return;
    }
    throw err;
  }
}

async function secondStep(ev) {
  ev.preventDefault();
  const code = $("code").value.trim();
  const body = { challenge: state.challenge.challenge };
  if (/^\d{6}$/.test(code)) body.code = code; else body.recovery_code = code;
  await signedIn(await api("POST", "/v1/auth/mfa/verify", body));
  say("Signed in.");
}

async function secondStepPasskey() {
  const cred = await navigator.credentials.get({ publicKey: requestOptions(state.challenge.passkey_options) });
  await signedIn(await api("POST", "/v1/auth/mfa/verify", { challenge: state.challenge.challenge, passkey: credentialJSON(cred) }));
  say("Signed in.");
}

async function register() {
  const begin = await api("POST", "/v1/me/passkeys/begin");
  const cred = await navigator.credentials.create({ publicKey: creationOptions(begin.options) });
  const out = await api("POST", "/v1/me/passkeys", { ceremony: begin.ceremony, credential: credentialJSON(cred), name: $("passkey-name").value });
  await listPasskeys();
  let text = "Passkey added: " + out.passkey.name + ".";
  if (out.recovery_codes.length) text += " Keep these recovery codes somewhere safe: " + out.recovery_codes.join(" ");
  say(text);
}

async function logout() {
  await api("POST", "/v1/auth/logout", {});
  state.access = state.refresh = "";
  $("me").textContent = "Signed out.";
  $("signed-in").hidden = true;
  $("signed-out").hidden = false;
  say("Signed out.");
}

// run wraps a handler so that its failure is shown rather than lost.
const run = (fn) => (ev) => fn(ev).catch((err) => say(err.message || String(err), true));

$("passkey-login").addEventListener("click", run(passkeyLogin));
$("password-form").addEventListener("submit", run(passwordLogin));
$("code-form").addEventListener("submit", run(secondStep));
$("mfa-passkey").addEventListener("click", run(secondStepPasskey));
$("register").addEventListener("click", run(register));
$("logout").addEventListener("click", run(logout));
if (!window.PublicKeyCredential) say("This browser has no passkey support.", true);
