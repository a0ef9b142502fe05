// A real OpenID provider (the npm package oidc-provider) for the tests in this folder, standing in for a council's
// Entra ID or Keycloak: client credentials, JWT access tokens for the resource `api://sendpb` (or any other
// resource asked for, to test a wrong audience), signed with the keys the test gives it.
//
//   node provider.mjs            reads {"keys": [private JWKs]} on stdin, listens on a free port of 127.0.0.1 and
//                                prints `listening <issuer>`; ends when stdin closes or on SIGTERM.
//   POST /__keys  {"keys": [...]}  the test's key rotation: a new provider with these keys (the first one signs).
//   GET /__stats                  {"jwks": how many times its JWKS was fetched}.
import http from 'node:http';

import Provider from 'oidc-provider';

const RESOURCE = 'api://sendpb';
// Scopes as an identity provider would name them for this platform; the platform maps them (SENDPB_OIDC_ISSUERS).
const SCOPES = 'sendpb.casework sendpb.finance sendpb.read';
// Extra claims of each client's access tokens: the councils it acts for, as the provider names them.
const COUNCILS = { 'bucks-cms': ['bucks'], 'short-lived': ['bucks'], 'two-councils': ['bucks', 'cheshire-east'] };
const CLIENTS = Object.keys(COUNCILS).map((id) => ({
  client_id: id,
  client_secret: `${id}-secret`,
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  scope: SCOPES,
  token_endpoint_auth_method: 'client_secret_post',
}));

function build(issuer, keys) {
  const provider = new Provider(issuer, {
    clients: CLIENTS,
    jwks: { keys },
    cookies: { keys: ['test-only-cookie-key'] },
    scopes: SCOPES.split(' '),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, resource) => ({
          scope: SCOPES,
          audience: resource,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    extraTokenClaims: (ctx, token) => ({ councils: COUNCILS[token.clientId] || [] }),
    ttl: { ClientCredentials: (ctx, token, client) => (client.clientId === 'short-lived' ? 2 : 600) },
  });
  return provider.callback();
}

function readAll(stream) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString()));
    stream.on('error', reject);
  });
}

let handler = null;
let issuer = null;
const stats = { jwks: 0 };
const server = http.createServer(async (req, res) => {
  if (req.method === 'POST' && req.url === '/__keys') {
    handler = build(issuer, JSON.parse(await readAll(req)).keys);
    res.writeHead(204).end();
    return;
  }
  if (req.url === '/__stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
    return;
  }
  if (req.url.startsWith('/jwks')) stats.jwks += 1;
  handler(req, res);
});

const initial = JSON.parse(await new Promise((resolve) => {
  let text = '';
  process.stdin.on('data', (c) => {
    text += c;
    const newline = text.indexOf('\n');
    if (newline >= 0) resolve(text.slice(0, newline));
  });
}));
server.listen(0, '127.0.0.1', () => {
  issuer = `http://127.0.0.1:${server.address().port}`;
  handler = build(issuer, initial.keys);
  process.stdout.write(`listening ${issuer}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
