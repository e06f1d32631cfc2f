// A local OpenID Connect provider for the sign-in tests (started by tests/oidcserver.py).
//
// node server.mjs --port P --client-id ID --client-secret SECRET --redirect-uri URI [--redirect-uri URI ...]
// (or OIDC_PORT, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URIS space-separated)
//
// Issuer http://127.0.0.1:P, one confidential client, and oidc-provider's
// development login form: any login name with any password signs in, e.g.
// "alice" gets sub "alice", email "alice@example.test" (verified), name "Alice".
// Prints "oidc-provider ready <issuer>" once it listens. Never use it for real.

import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.OIDC_PORT },
    'client-id': { type: 'string', default: process.env.OIDC_CLIENT_ID },
    'client-secret': { type: 'string', default: process.env.OIDC_CLIENT_SECRET },
    'redirect-uri': { type: 'string', multiple: true, default: (process.env.OIDC_REDIRECT_URIS || '').split(' ').filter(Boolean) },
  },
});
for (const name of ['port', 'client-id', 'client-secret']) {
  if (!args[name]) throw new Error(`--${name} is required`);
}
if (!args['redirect-uri'].length) throw new Error('--redirect-uri is required');

const port = Number(args.port);
const issuer = `http://127.0.0.1:${port}`;
const LOGIN = /^[a-z][a-z0-9._-]{0,63}$/;

function account(id) {
  return {
    accountId: id,
    async claims() {
      return {
        sub: id,
        email: `${id}@example.test`,
        email_verified: true,
        name: id.charAt(0).toUpperCase() + id.slice(1),
      };
    },
  };
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: args['client-id'],
      client_secret: args['client-secret'],
      redirect_uris: args['redirect-uri'],
      // Streamlit's st.logout() sends the user back to its redirect URI (/oauth2callback).
      post_logout_redirect_uris: args['redirect-uri'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  // Any plain lower-case login name is an account; anything else is refused.
  async findAccount(ctx, id) {
    return LOGIN.test(id) ? account(id) : undefined;
  },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  // Authlib (behind st.login) reads the user from the ID token and never calls
  // the userinfo endpoint, so the ID token must carry the scope's claims.
  conformIdTokenClaims: false,
  // A first-party test client: skip the consent page, grant what it asks for.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
  features: {
    devInteractions: { enabled: true }, // the built-in login form
    rpInitiatedLogout: {
      enabled: true,
      // The default page imports a web font from the internet; tests stay offline.
      async logoutSource(ctx, form) {
        ctx.body = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Sign out</title></head><body>
          <h1>Sign out of ${issuer}?</h1>${form}
          <button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
          <button type="submit" form="op.logoutForm">No, stay signed in</button></body></html>`;
      },
    },
  },
  pkce: { required: () => true }, // Streamlit sends S256 whenever discovery offers it
  cookies: { keys: ['interviewer-test-only-cookie-key'] },
});

// Streamlit's st.login() asks for prompt=select_account (an account chooser, as
// Google has). The development form is this provider's chooser: treat the
// request as prompt=login, which oidc-provider supports, instead of refusing it.
provider.use(async (ctx, next) => {
  if (ctx.path === '/auth' && ctx.query.prompt === 'select_account') {
    ctx.query = { ...ctx.query, prompt: 'login' };
  }
  await next();
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider ready ${issuer}`);
});
