"use strict";
/*
 * A stranger SAML SP on @node-saml/node-saml (the library under passport-saml), an external target of the harness.
 *
 * Test support code, not product. It knows the IdP only through its metadata (a file, or the harness's metadata
 * URL fetched at each login so a key rotation takes effect), as a third-party SP would. Configured as a careful
 * deployment would be: wantAssertionsSigned, audience = this SP's entity ID, idpIssuer from the metadata,
 * acceptedClockSkewMs bounded, InResponseTo checked against the requests this process issued ("ifPresent" when
 * IdP-initiated SSO is allowed, "always" otherwise). The library keeps no record of accepted assertions, so this
 * server keeps a replay cache of assertion IDs.
 *
 * Same HTTP surface as the Python strangers: GET /login (company-email form; with ?email= an AuthnRequest over
 * HTTP-Redirect), POST /acs, GET /whoami (JSON or 401), POST /logout, GET /health, GET /metadata, GET /.
 *
 * Run: node tests/strangers/node_saml/server.js --port 8000 (--idp-metadata FILE | --idp-metadata-url URL)
 *      [--allow-unsolicited] [--accepted-clock-skew-ms 60000]
 */

const crypto = require("node:crypto");
const fs = require("node:fs");
const http = require("node:http");
const { parseArgs } = require("node:util");
const { DOMParser } = require("@xmldom/xmldom");
const xpath = require("xpath");
const { SAML, generateServiceProviderMetadata } = require("@node-saml/node-saml");
const { InMemoryCacheProvider } = require("@node-saml/node-saml/lib/in-memory-cache-provider");

const SESSION_COOKIE = "stranger_session";
const MAX_BODY = 512 * 1024;
const REQUEST_LIFETIME_MS = 600 * 1000;
const NAMEID_EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
const REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
const select = xpath.useNamespaces({ md: "urn:oasis:names:tc:SAML:2.0:metadata", ds: "http://www.w3.org/2000/09/xmldsig#" });

class Refused extends Error {
  /** The ACS refuses the post: 400 for malformed input, 403 for an invalid response. */
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

/** A path on this site, else "/" (no open redirect through RelayState or next). */
function localPath(value) {
  if (!value || !value.startsWith("/") || value.startsWith("//") || value.includes("\\")) return "/";
  return value;
}

async function readMetadata(source) {
  if (/^https?:\/\//.test(source)) {
    const answer = await fetch(source, { signal: AbortSignal.timeout(10000) });
    if (!answer.ok) throw new Error(`metadata URL answered HTTP ${answer.status}`);
    return await answer.text();
  }
  return fs.readFileSync(source, "utf8");
}

/** The IdP's entity ID, HTTP-Redirect SSO URL and signing certificates, from its metadata. */
function parseIdpMetadata(xml) {
  const errors = [];
  const doc = new DOMParser({ onError: (level, msg) => level !== "warning" && errors.push(msg) }).parseFromString(xml, "text/xml");
  if (errors.length || !doc || !doc.documentElement) throw new Error(`IdP metadata is not XML: ${errors.join("; ")}`);
  const entity = select("//md:EntityDescriptor[md:IDPSSODescriptor]", doc)[0];
  if (!entity) throw new Error("IdP metadata has no EntityDescriptor with an IDPSSODescriptor");
  const sso = select(`md:IDPSSODescriptor/md:SingleSignOnService[@Binding='${REDIRECT}']/@Location`, entity)[0];
  const certs = select(
    "md:IDPSSODescriptor/md:KeyDescriptor[not(@use) or @use='signing']/ds:KeyInfo/ds:X509Data/ds:X509Certificate/text()",
    entity,
  ).map((node) => node.nodeValue.replace(/\s+/g, ""));
  if (!entity.getAttribute("entityID") || !sso) throw new Error("IdP metadata has no entityID or HTTP-Redirect SingleSignOnService");
  if (!certs.length) throw new Error("IdP metadata has no signing certificate");
  return { entityId: entity.getAttribute("entityID"), ssoUrl: sso.nodeValue, certs };
}

class StrangerSp {
  constructor({ metadata, baseUrl, allowUnsolicited, clockSkewMs }) {
    this.metadata = metadata;
    this.baseUrl = baseUrl;
    this.allowUnsolicited = allowUnsolicited;
    this.clockSkewMs = clockSkewMs;
    // Outstanding AuthnRequest IDs, shared by every SAML instance (one is built per request, metadata read afresh).
    this.requests = new InMemoryCacheProvider({ keyExpirationPeriodMs: REQUEST_LIFETIME_MS });
    this.usedAssertions = new Map(); // assertion ID -> keep until (ms)
    this.sessions = new Map(); // session cookie -> { email, attributes }
  }

  get entityId() {
    return `${this.baseUrl}/metadata`;
  }

  get acsUrl() {
    return `${this.baseUrl}/acs`;
  }

  options() {
    return {
      callbackUrl: this.acsUrl,
      issuer: this.entityId,
      audience: this.entityId,
      identifierFormat: NAMEID_EMAIL,
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: false,
      acceptedClockSkewMs: this.clockSkewMs,
      validateInResponseTo: this.allowUnsolicited ? "ifPresent" : "always",
      requestIdExpirationPeriodMs: REQUEST_LIFETIME_MS,
      cacheProvider: this.requests,
      disableRequestedAuthnContext: true,
      signatureAlgorithm: "sha256",
    };
  }

  async saml() {
    const idp = parseIdpMetadata(await readMetadata(this.metadata));
    return new SAML({ ...this.options(), entryPoint: idp.ssoUrl, idpIssuer: idp.entityId, idpCert: idp.certs });
  }

  /** Record the assertion as used, or refuse a second use (kept until it could no longer pass the time checks). */
  accept(assertionId, notOnOrAfterMs) {
    const now = Date.now();
    for (const [id, until] of this.usedAssertions) if (until < now) this.usedAssertions.delete(id);
    if (this.usedAssertions.has(assertionId)) throw new Refused(403, `assertion '${assertionId}' was already used (replay)`);
    this.usedAssertions.set(assertionId, Number.isFinite(notOnOrAfterMs) ? notOnOrAfterMs + this.clockSkewMs : Infinity);
  }
}

function page(res, status, title, body, headers = {}) {
  res.writeHead(status, { "Content-Type": "text/html; charset=utf-8", ...headers });
  res.end(`<!doctype html><html><head><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`);
}

function errorPage(res, status, detail) {
  page(res, status, "SSO failed", `<h1 id="sso-error">SSO failed</h1><p id="sso-error-detail">${escapeHtml(detail)}</p><p><a href="/">Home</a></p>`);
}

function redirect(res, status, location, headers = {}) {
  res.writeHead(status, { Location: location, ...headers });
  res.end();
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Refused(413, `request body larger than ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("latin1")));
    req.on("error", reject);
  });
}

function sessionOf(sp, req) {
  const cookies = Object.fromEntries(
    (req.headers.cookie || "").split(";").map((c) => c.trim().split("=")).filter((p) => p.length === 2),
  );
  const id = cookies[SESSION_COOKIE];
  return id && sp.sessions.has(id) ? [id, sp.sessions.get(id)] : [null, null];
}

function firstValue(value) {
  return Array.isArray(value) ? value[0] : value;
}

/** Validate the posted Response with node-saml plus this server's replay cache; return the session to start. */
async function consume(sp, body) {
  const form = new URLSearchParams(body);
  const responses = form.getAll("SAMLResponse");
  if (!responses.length || !responses[0].trim()) throw new Refused(400, "no SAMLResponse in the POST body");
  if (responses.length > 1) throw new Refused(400, `${responses.length} SAMLResponse fields; exactly one is expected`);
  const encoded = responses[0].replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 !== 0) throw new Refused(400, "SAMLResponse is not valid base64");
  let saml;
  try {
    saml = await sp.saml();
  } catch (error) {
    throw new Refused(503, `IdP metadata unusable: ${error.message}`);
  }
  let profile;
  try {
    ({ profile } = await saml.validatePostResponseAsync({ SAMLResponse: encoded }));
  } catch (error) {
    throw new Refused(403, `${error.name}: ${error.message}`);
  }
  if (!profile) throw new Refused(403, "node-saml returned no profile");
  const assertion = (profile.getAssertion && profile.getAssertion().Assertion) || {};
  const assertionId = assertion.$ && assertion.$.ID;
  if (!assertionId) throw new Refused(403, "the accepted assertion has no ID; cannot protect against replay");
  const conditions = (assertion.Conditions || [])[0];
  const notOnOrAfter = conditions && conditions.$ && conditions.$.NotOnOrAfter ? Date.parse(conditions.$.NotOnOrAfter) : NaN;
  sp.accept(assertionId, notOnOrAfter);
  const attributes = {};
  for (const [key, value] of Object.entries(profile)) {
    if (typeof value === "function" || ["issuer", "nameID", "nameIDFormat", "sessionIndex", "inResponseTo"].includes(key)) continue;
    if (typeof value === "string" || Array.isArray(value)) attributes[key] = [].concat(value).map(String);
  }
  const email = firstValue(profile.email) || profile.nameID;
  if (!email) throw new Refused(403, "the assertion carries neither an email attribute nor a NameID");
  return { email: String(email), nameId: profile.nameID, attributes, relayState: form.get("RelayState") };
}

function createServer(sp) {
  return http.createServer(async (req, res) => {
    let url;
    try {
      url = new URL(req.url, sp.baseUrl);
    } catch {
      errorPage(res, 400, "malformed request URL");
      return;
    }
    const route = `${req.method} ${url.pathname}`;
    try {
      if (route === "GET /health") {
        res.writeHead(200, { "Content-Type": "text/plain" });
        res.end("ok");
      } else if (route === "GET /metadata") {
        res.writeHead(200, { "Content-Type": "application/samlmetadata+xml" });
        res.end(generateServiceProviderMetadata({ issuer: sp.entityId, callbackUrl: sp.acsUrl, identifierFormat: NAMEID_EMAIL, wantAssertionsSigned: true }));
      } else if (route === "GET /login") {
        const next = localPath(url.searchParams.get("next"));
        if (!(url.searchParams.get("email") || "").trim()) {
          page(res, 200, "Sign in with SSO",
            `<form method="get" action="/login"><label>Company email <input name="email" type="email"></label>` +
            `<input type="hidden" name="next" value="${escapeHtml(next)}"><button type="submit">Continue</button></form>`);
          return;
        }
        let saml;
        try {
          saml = await sp.saml();
        } catch (error) {
          errorPage(res, 503, `IdP metadata unusable: ${error.message}`);
          return;
        }
        redirect(res, 302, await saml.getAuthorizeUrlAsync(next, undefined, {}));
      } else if (route === "POST /acs") {
        const signedIn = await consume(sp, await readBody(req));
        const id = crypto.randomBytes(32).toString("base64url");
        sp.sessions.set(id, { email: signedIn.email, attributes: signedIn.attributes });
        console.log(`signed in ${signedIn.email}`);
        redirect(res, 303, localPath(signedIn.relayState), {
          "Set-Cookie": `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax`,
        });
      } else if (route === "GET /whoami") {
        const [, session] = sessionOf(sp, req);
        res.writeHead(session ? 200 : 401, { "Content-Type": "application/json" });
        res.end(JSON.stringify(session ? { email: session.email, attributes: session.attributes } : { error: "not signed in" }));
      } else if (route === "POST /logout") {
        const [id] = sessionOf(sp, req);
        if (id) sp.sessions.delete(id);
        redirect(res, 303, "/", { "Set-Cookie": `${SESSION_COOKIE}=; Path=/; Max-Age=0` });
      } else if (route === "GET /") {
        const [, session] = sessionOf(sp, req);
        const who = session
          ? `<p>Signed in as <span id="signed-in-as">${escapeHtml(session.email)}</span></p><form method="post" action="/logout"><button type="submit">Sign out</button></form>`
          : `<p>Not signed in.</p><p><a href="/login">Sign in with SSO</a></p>`;
        page(res, 200, "node-saml SP", `<h1>node-saml SP</h1>${who}`);
      } else {
        page(res, 404, "Not found", "<h1>Not found</h1>");
      }
    } catch (error) {
      if (error instanceof Refused) {
        console.warn(`ACS refused (${error.status}): ${error.message}`);
        errorPage(res, error.status, error.message);
      } else {
        console.error(error);
        errorPage(res, 500, "internal error");
      }
    }
  });
}

function usage(message) {
  console.error(`usage: node server.js [--host H] [--port P] (--idp-metadata FILE | --idp-metadata-url URL) [--allow-unsolicited] [--accepted-clock-skew-ms MS]\nerror: ${message}`);
  process.exit(2);
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        host: { type: "string", default: "127.0.0.1" },
        port: { type: "string", default: "0" },
        "idp-metadata": { type: "string" },
        "idp-metadata-url": { type: "string" },
        "allow-unsolicited": { type: "boolean", default: false },
        "accepted-clock-skew-ms": { type: "string", default: "60000" },
      },
    }));
  } catch (error) {
    usage(error.message);
  }
  const metadata = values["idp-metadata-url"] || values["idp-metadata"];
  if (!metadata || (values["idp-metadata-url"] && values["idp-metadata"])) usage("give exactly one of --idp-metadata, --idp-metadata-url");
  const port = Number(values.port);
  const clockSkewMs = Number(values["accepted-clock-skew-ms"]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`--port ${values.port} is not a port`);
  if (!Number.isInteger(clockSkewMs) || clockSkewMs < 0) usage(`--accepted-clock-skew-ms ${values["accepted-clock-skew-ms"]} is not a duration`);
  try {
    parseIdpMetadata(await readMetadata(metadata));
  } catch (error) {
    usage(`${metadata}: ${error.message}`);
  }
  const sp = new StrangerSp({ metadata, baseUrl: "", allowUnsolicited: values["allow-unsolicited"], clockSkewMs });
  const server = createServer(sp);
  server.listen(port, values.host, () => {
    sp.baseUrl = `http://${values.host}:${server.address().port}`;
    console.log(`ready ${sp.baseUrl}`);
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  setInterval(() => {}, 1 << 30).unref();
}

main();
