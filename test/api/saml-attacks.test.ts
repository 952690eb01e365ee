import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_ATTRIBUTES, type SamlConfig } from '@cws/registry-server';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import {
  assertionXml,
  forgeResponse,
  idpMetadataXml,
  type ResponseParts,
  requestIdFrom,
  responseXml,
  signAssertion,
} from '../helpers/saml-forge.js';
import { CookieJar, postToAcs, step } from '../helpers/saml-http.js';
import { freePort, selfSigned } from '../helpers/simplesamlphp.js';

// The attacks need no PHP: an IdP of our own signs what we craft, and the registry trusts it by metadata.
const IDP = 'https://idp.attack.example/idp';
/** A second IdP of the consortium, bound to its own organisation, that may start sign-ins itself. */
const IDP2 = 'https://idp.partner.example/idp';
const SECRET_ATTRIBUTE = 'eppn-secret-value-7f3a';

describe('SAML: crafted responses are refused', () => {
  let reg: TestRegistry;
  let base: string;
  let acs: string;
  let spEntityId: string;
  let dir: string;
  let idpKey: { keyPem: string; certPem: string };
  let otherKey: { keyPem: string; certPem: string };
  let partnerKey: { keyPem: string; certPem: string };
  const logs: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cws-saml-attacks-'));
    const trusted = selfSigned(dir, 'trusted', 'trusted-idp');
    const other = selfSigned(dir, 'other', 'other-idp');
    idpKey = { keyPem: trusted.key, certPem: trusted.cert };
    otherKey = { keyPem: other.key, certPem: other.cert };
    writeFileSync(join(dir, 'idp.xml'), idpMetadataXml(IDP, 'https://idp.attack.example/sso', trusted.cert));
    const partner = selfSigned(dir, 'partner', 'partner-idp');
    partnerKey = { keyPem: partner.key, certPem: partner.cert };
    writeFileSync(join(dir, 'partner.xml'), idpMetadataXml(IDP2, 'https://idp.partner.example/sso', partner.cert));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    acs = `${base}/saml/acs`;
    spEntityId = `${base}/saml/metadata`;
    const saml: SamlConfig = {
      spEntityId: null,
      spKeyFile: null,
      spCertFile: null,
      clockSkewSeconds: 60,
      wantResponseSigned: false,
      idps: [
        {
          id: 'attack',
          label: 'Attack Test IdP',
          metadata: join(dir, 'idp.xml'),
          organisation: null,
          attributes: DEFAULT_ATTRIBUTES,
          roles: [{ role: 'member', values: ['*'] }],
          idpInitiated: false,
        },
        {
          id: 'partner',
          label: 'Partner College',
          metadata: join(dir, 'partner.xml'),
          organisation: 'partner-college',
          attributes: DEFAULT_ATTRIBUTES,
          roles: [{ role: 'publisher', values: ['faculty'] }],
          idpInitiated: true,
        },
      ],
    };
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
    reg = await startRegistry({
      logger,
      config: { http: { host: '127.0.0.1', port, publicUrl: base, bodyLimit: '256kb', trustProxy: false }, saml },
    });
  }, 120_000);

  afterAll(async () => {
    await reg?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts a sign-in as a browser would: the request id, and the jar with its cookie. */
  async function start(relay?: string) {
    const jar = new CookieJar();
    const res = await step(jar, `${base}/saml/login/attack${relay ? `?RelayState=${encodeURIComponent(relay)}` : ''}`);
    expect(res.status).toBe(302);
    const location = res.headers.get('location')!;
    expect(location.startsWith('https://idp.attack.example/sso?')).toBe(true);
    return { jar, requestId: requestIdFrom(location) };
  }

  const parts = (requestId: string | null, extra: Partial<ResponseParts> = {}): ResponseParts => ({
    issuer: IDP,
    audience: spEntityId,
    acsUrl: acs,
    inResponseTo: requestId,
    attributes: { eduPersonPrincipalName: [`${SECRET_ATTRIBUTE}@example.edu`], displayName: ['Mallory'] },
    ...extra,
  });

  async function expectRefused(jar: CookieJar, samlResponse: string, reason: RegExp) {
    const before = logs.length;
    const res = await postToAcs(jar, { action: acs, SAMLResponse: samlResponse, RelayState: '/' });
    const page = await res.text();
    expect(res.status).toBe(403);
    expect(page).toMatch(reason);
    expect(jar.get(base, 'cws_session')).toBeUndefined();
    const logged = logs.slice(before).filter((l) => l.includes('SAML sign-in refused'));
    expect(logged.length).toBe(1);
    // Neither the page nor the log carries what the assertion said.
    expect(logged[0]).not.toContain(SECRET_ATTRIBUTE);
    expect(page).not.toContain(SECRET_ATTRIBUTE);
    return { page, log: JSON.parse(logged[0]!) as { reason: string } };
  }

  it('accepts a correctly signed answer to its own request (the control for every case below)', async () => {
    const { jar, requestId } = await start('/my/listings');
    const res = await postToAcs(jar, {
      action: acs,
      SAMLResponse: forgeResponse(parts(requestId), idpKey),
      RelayState: '/my/listings',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/my/listings');
    expect(jar.get(base, 'cws_session')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses an unsigned assertion', async () => {
    const { jar, requestId } = await start();
    await expectRefused(jar, forgeResponse(parts(requestId), null), /not signed by the identity provider/);
  });

  it('refuses an assertion signed with another IdP’s key', async () => {
    const { jar, requestId } = await start();
    await expectRefused(jar, forgeResponse(parts(requestId), otherKey), /not signed by the identity provider/);
  });

  it('refuses a tampered attribute (signed, then edited)', async () => {
    const { jar, requestId } = await start();
    const p = parts(requestId);
    const signed = signAssertion(assertionXml(p), idpKey.keyPem, idpKey.certPem).replace(
      `${SECRET_ATTRIBUTE}@example.edu`,
      `${SECRET_ATTRIBUTE}-admin@example.edu`,
    );
    await expectRefused(jar, Buffer.from(responseXml(p, signed)).toString('base64'), /not signed/);
  });

  it('refuses a wrong audience', async () => {
    const { jar, requestId } = await start();
    const { log } = await expectRefused(
      jar,
      forgeResponse(parts(requestId, { audience: 'https://other-sp.example/metadata' }), idpKey),
      /issued for another service \(audience\)/,
    );
    expect(log.reason).not.toContain('other-sp.example');
  });

  it('refuses an expired assertion and one not valid yet, beyond the clock skew', async () => {
    const past = await start();
    const hourAgo = new Date(Date.now() - 3600_000);
    await expectRefused(
      past.jar,
      forgeResponse(
        parts(past.requestId, { notBefore: new Date(hourAgo.getTime() - 60_000), notOnOrAfter: hourAgo }),
        idpKey,
      ),
      /expired or is not valid yet/,
    );
    const future = await start();
    await expectRefused(
      future.jar,
      forgeResponse(parts(future.requestId, { notBefore: new Date(Date.now() + 3600_000) }), idpKey),
      /expired or is not valid yet/,
    );
  });

  it('refuses a replayed response, and a new response reusing an accepted assertion id', async () => {
    const { jar, requestId } = await start();
    const assertionId = `_a${Date.now()}replay`;
    const first = forgeResponse(parts(requestId, { assertionId }), idpKey);
    const ok = await postToAcs(jar, { action: acs, SAMLResponse: first });
    expect(ok.status).toBe(303);
    // The same bytes again, from a browser that starts a new sign-in (so the cookie is fresh).
    const again = await start();
    await expectRefused(again.jar, first, /does not answer a sign-in this registry started|used before/);
    // A fresh request answered with the old assertion's id: the replay store refuses it.
    const third = await start();
    await expectRefused(third.jar, forgeResponse(parts(third.requestId, { assertionId }), idpKey), /used before/);
  });

  it('refuses assertion wrapping: a signed assertion hidden in the response and an unsigned one in its place', async () => {
    const { jar, requestId } = await start();
    const genuine = signAssertion(assertionXml(parts(requestId)), idpKey.keyPem, idpKey.certPem);
    const evil = assertionXml(
      parts(requestId, { attributes: { eduPersonPrincipalName: [`${SECRET_ATTRIBUTE}-root@example.edu`] } }),
    );
    const wrapped = responseXml(parts(requestId), `<samlp:Extensions>${genuine}</samlp:Extensions>${evil}`);
    await expectRefused(jar, Buffer.from(wrapped).toString('base64'), /not signed/);
    // And the evil assertion beside the signed one.
    const second = await start();
    const genuine2 = signAssertion(assertionXml(parts(second.requestId)), idpKey.keyPem, idpKey.certPem);
    const evil2 = assertionXml(parts(second.requestId));
    const twice = responseXml(parts(second.requestId), `${evil2}${genuine2}`);
    await expectRefused(second.jar, Buffer.from(twice).toString('base64'), /not signed/);
  });

  it('refuses a response for another Destination or Recipient', async () => {
    const a = await start();
    await expectRefused(
      a.jar,
      forgeResponse(parts(a.requestId, { destination: 'https://other-sp.example/acs' }), idpKey),
      /addressed to another service/,
    );
    const b = await start();
    await expectRefused(
      b.jar,
      forgeResponse(parts(b.requestId, { recipient: 'https://other-sp.example/acs' }), idpKey),
      /meant for another service/,
    );
  });

  it('refuses an unsolicited response (IdP-initiated is off) and one answering another browser’s request', async () => {
    const jar = new CookieJar();
    await expectRefused(jar, forgeResponse(parts(null), idpKey), /does not answer a sign-in|turned off/);
    const victim = await start();
    const attacker = new CookieJar(); // no cookie of the victim's request: login CSRF
    await expectRefused(attacker, forgeResponse(parts(victim.requestId), idpKey), /not started in this browser/);
  });

  it('refuses a response from an issuer it does not know', async () => {
    const { jar, requestId } = await start();
    await expectRefused(
      jar,
      forgeResponse(parts(requestId, { issuer: 'https://evil.example/idp' }), otherKey),
      /identity provider this registry knows/,
    );
  });

  it('accepts IdP-initiated sign-in only from the IdP that allows it, and keeps the IdPs apart', async () => {
    const partnerParts = (extra: Partial<ResponseParts> = {}): ResponseParts => ({
      ...parts(null),
      issuer: IDP2,
      attributes: { eduPersonPrincipalName: ['pat@partner.example'], eduPersonAffiliation: ['faculty'] },
      ...extra,
    });
    const jar = new CookieJar();
    const res = await postToAcs(jar, { action: acs, SAMLResponse: forgeResponse(partnerParts(), partnerKey) });
    expect(res.status).toBe(303);
    expect(jar.get(base, 'cws_session')).toBeDefined();
    const member = await reg.database.db
      .selectFrom('organisation_members as m')
      .innerJoin('users as o', 'o.id', 'm.org_id')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['o.handle as org', 'u.handle', 'm.role', 'm.source'])
      .where('u.handle', '=', 'pat')
      .execute();
    expect(member).toEqual([{ org: 'partner-college', handle: 'pat', role: 'publisher', source: 'saml' }]);
    // The partner's key cannot speak for the other IdP, nor the other's key for the partner.
    const own = await start();
    await expectRefused(
      own.jar,
      forgeResponse(parts(own.requestId), partnerKey),
      /not signed by the identity provider/,
    );
    await expectRefused(new CookieJar(), forgeResponse(partnerParts(), idpKey), /not signed by the identity provider/);
    // A request the registry sent to one IdP cannot be answered by the other.
    const { jar: j2, requestId } = await start();
    await expectRefused(j2, forgeResponse(partnerParts({ inResponseTo: requestId }), partnerKey), /does not answer/);
  });

  it('sends people back only to its own paths (no open redirect)', async () => {
    for (const relay of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)']) {
      const res = await step(new CookieJar(), `${base}/saml/login/attack?RelayState=${encodeURIComponent(relay)}`);
      expect(res.status, relay).toBe(400);
    }
    const { jar, requestId } = await start();
    const res = await postToAcs(jar, {
      action: acs,
      SAMLResponse: forgeResponse(parts(requestId), idpKey),
      RelayState: 'https://evil.example/phish',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
  });
});
