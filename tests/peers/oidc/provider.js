// A ProConnect-like OpenID provider for sovcloud's tests, on loopback only (never a production service).
//
// Configured as ProConnect documents its federation: endpoints under /api/v2, acr values eidas1..eidas3,
// the scopes given_name usual_name email uid siret idp_id organizational_unit, userinfo answered as a signed
// JWT for clients that ask for it, RP-initiated logout, and unknown authorization parameters refused.
//
// Environment: OIDC_PORT (listening port on 127.0.0.1), OIDC_CLIENTS (JSON array of client metadata).
// The login page is a form where the test says who logs in, with which claims and at which acr (so a
// test can play a provider that answers a lower acr than the one asked). Prints "ready <issuer>" once up.
import http from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import Provider, { interactionPolicy } from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const prefix = '/api/v2';
const issuer = `http://127.0.0.1:${port}${prefix}`;
const clients = JSON.parse(process.env.OIDC_CLIENTS || '[]');
const SCOPES = ['openid', 'given_name', 'usual_name', 'email', 'uid', 'siret', 'idp_id', 'organizational_unit'];
const CLAIMS = ['given_name', 'usual_name', 'email', 'uid', 'siret', 'idp_id', 'organizational_unit'];
// what ProConnect's authorization endpoint accepts; anything else is refused (invalid_request)
const KNOWN_PARAMS = new Set(['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'nonce', 'claims',
  'acr_values', 'prompt', 'login_hint', 'idp_hint', 'siret_hint', 'code_challenge', 'code_challenge_method']);

const accounts = new Map(); // sub -> claims, filled by the login form

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-rs256', alg: 'RS256', use: 'sig' };

// the test's login form says which acr was reached: the provider does not enforce the requested one itself,
// so the relying party's own check is what the tests exercise
const policy = interactionPolicy.base();
policy.get('login').checks.remove('essential_acrs');
policy.get('login').checks.remove('essential_acr');

const provider = new Provider(issuer, {
  clients,
  acrValues: ['eidas1', 'eidas2', 'eidas3'],
  scopes: SCOPES,
  claims: Object.fromEntries([['openid', ['sub']], ...CLAIMS.map((c) => [c, [c]])]),
  jwks: { keys: [signingKey] },
  cookies: { keys: ['sovcloud-tests-only'] },
  routes: { authorization: '/authorize', token: '/token', userinfo: '/userinfo', jwks: '/jwks',
    end_session: '/session/end' },
  features: {
    devInteractions: { enabled: false },
    claimsParameter: { enabled: true },
    jwtUserinfo: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Déconnexion</title></head>
          <body><main><h1>Se déconnecter du fournisseur de test ?</h1>${form}
          <button type="submit" form="op.logoutForm" value="yes" name="logout">Oui, me déconnecter</button>
          </main></body></html>`;
      },
    },
  },
  interactions: { policy, url: (ctx, interaction) => `${prefix}/interaction/${interaction.uid}` },
  findAccount: async (ctx, sub) => {
    const claims = accounts.get(sub);
    return claims ? { accountId: sub, claims: async () => ({ sub, ...claims }) } : undefined;
  },
  pkce: { required: () => false },
});

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function formBody(req) {
  let raw = '';
  for await (const chunk of req) {
    raw += chunk;
    if (raw.length > 20000) throw new Error('body too large');
  }
  return Object.fromEntries(new URLSearchParams(raw));
}

function loginPage(uid, params) {
  const fields = ['sub', 'email', 'given_name', 'usual_name', 'uid', 'siret', 'idp_id', 'organizational_unit']
    .map((f) => `<p><label for="${f}">${f}</label> <input id="${f}" name="${f}"></p>`).join('');
  return `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Fournisseur de test</title></head>
    <body><main><h1>Fournisseur d'identité de test</h1><p>Demandé : ${escape(params.claims || '')}</p>
    <form method="post" action="${prefix}/interaction/${escape(uid)}/login">${fields}
    <p><label for="acr">acr</label> <select id="acr" name="acr">
      <option>eidas1</option><option>eidas2</option><option>eidas3</option></select></p>
    <button type="submit">Se connecter</button></form></main></body></html>`;
}

provider.use(async (ctx, next) => {
  if (ctx.path === '/authorize') {
    const unknown = Object.keys(ctx.query).filter((k) => !KNOWN_PARAMS.has(k));
    if (unknown.length) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: `unknown parameters: ${unknown.join(', ')}` };
      return;
    }
  }
  const match = ctx.path.match(/^\/interaction\/([\w-]+)(\/login)?$/);
  if (!match) {
    await next();
    return;
  }
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const { prompt, params } = details;
  if (match[2] && ctx.method === 'POST') {
    const form = await formBody(ctx.req);
    const claims = Object.fromEntries(CLAIMS.filter((c) => form[c]).map((c) => [c, form[c]]));
    accounts.set(form.sub, claims);
    await provider.interactionFinished(ctx.req, ctx.res, {
      login: { accountId: form.sub, acr: form.acr, amr: ['pwd'] },
    }, { mergeWithLastSubmission: false });
    ctx.respond = false;
    return;
  }
  if (prompt.name === 'login') {
    ctx.type = 'html';
    ctx.body = loginPage(match[1], params);
    return;
  }
  // consent: granted at once (ProConnect asks no consent from agents)
  const grant = details.grantId ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  const grantId = await grant.save();
  await provider.interactionFinished(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  ctx.respond = false;
});

const handler = provider.callback();
const server = http.createServer((req, res) => {
  if (req.url === prefix || req.url.startsWith(`${prefix}/`)) {
    req.originalUrl = req.url;
    req.url = req.url.slice(prefix.length) || '/';
    handler(req, res);
    return;
  }
  res.statusCode = 404;
  res.end('not found');
});
server.listen(port, '127.0.0.1', () => console.log(`ready ${issuer}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
