import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_ATTRIBUTES, type SamlConfig } from '@cws/registry-server';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { CookieJar, follow, idpResponseFor, postToAcs, samlHttpLogin, step } from '../helpers/saml-http.js';
import {
  freePort,
  IDP_AVAILABLE,
  type SimpleSamlIdp,
  selfSigned,
  startSimpleSamlIdp,
} from '../helpers/simplesamlphp.js';

const ALICE = {
  username: 'alice',
  password: 'alice-pass',
  attributes: {
    eduPersonPrincipalName: ['alice@example.edu'],
    displayName: ['Alice Example'],
    mail: ['alice@example.edu'],
    eduPersonEntitlement: ['urn:mace:example.edu:cws:publish'],
    eduPersonAffiliation: ['staff', 'member'],
  },
};

/**
 * Each test of the first describe signs in a person of its own (alice: first sign-in; bea: the changes at the next
 * sign-in; cleo: single logout), so no test depends on what another did or changed at the IdP, in any order.
 */
const BEA = {
  username: 'bea',
  password: 'bea-pass',
  attributes: {
    eduPersonPrincipalName: ['bea@example.edu'],
    displayName: ['Bea Example'],
    mail: ['bea@example.edu'],
    eduPersonEntitlement: ['urn:mace:example.edu:cws:publish'],
    eduPersonAffiliation: ['staff', 'member'],
  },
};

const CLEO = {
  username: 'cleo',
  password: 'cleo-pass',
  attributes: {
    eduPersonPrincipalName: ['cleo@example.edu'],
    displayName: ['Cleo Example'],
    mail: ['cleo@example.edu'],
    eduPersonEntitlement: ['urn:mace:example.edu:cws:publish'],
    eduPersonAffiliation: ['staff', 'member'],
  },
};

const IDP_USERS = [ALICE, BEA, CLEO];

describe.skipIf(!IDP_AVAILABLE)('SAML sign-in against SimpleSAMLphp (HTTP)', () => {
  let idp: SimpleSamlIdp;
  let reg: TestRegistry;
  let base: string;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    idp = await startSimpleSamlIdp({
      spEntityId: `${base}/saml/metadata`,
      acsUrl: `${base}/saml/acs`,
      sloUrl: `${base}/saml/logout/callback`,
      users: IDP_USERS,
    });
    const saml: SamlConfig = {
      spEntityId: null,
      spKeyFile: null,
      spCertFile: null,
      clockSkewSeconds: 60,
      wantResponseSigned: false,
      idps: [
        {
          id: 'campus',
          label: 'Example University',
          metadata: idp.metadataUrl,
          organisation: 'example-uni',
          attributes: DEFAULT_ATTRIBUTES,
          roles: [
            { role: 'admin', values: ['urn:mace:example.edu:cws:admin'] },
            { role: 'publisher', values: ['urn:mace:example.edu:cws:publish'] },
            { role: 'member', values: ['*'] },
          ],
          idpInitiated: false,
        },
      ],
    };
    reg = await startRegistry({
      config: { http: { host: '127.0.0.1', port, publicUrl: base, bodyLimit: '256kb', trustProxy: false }, saml },
    });
  }, 120_000);

  afterAll(async () => {
    await reg?.close();
    await idp?.stop();
  });

  it('publishes SP metadata naming the entity id and the ACS', async () => {
    const res = await fetch(`${base}/saml/metadata`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/samlmetadata\+xml/);
    const xml = await res.text();
    expect(xml).toContain(`entityID="${base}/saml/metadata"`);
    expect(xml).toContain(`Location="${base}/saml/acs"`);
  });

  it('signs a person in, creating the user on first sign-in, and returns them to the page they came from', async () => {
    const aliceRows = () =>
      reg.database.db.selectFrom('users').select('handle').where('handle', '=', 'alice').execute();
    expect(await aliceRows()).toEqual([]);
    const { jar, location, session } = await samlHttpLogin(base, 'campus', ALICE, '/my/listings');
    expect(location).toBe('/my/listings');
    expect(session).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const page = await step(jar, `${base}/my/listings`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Signed in as <strong>alice</strong>');
    // The IdP is bound to the organisation example-uni; the entitlement maps to publisher.
    const org = await request(base).get('/api/v1/orgs/example-uni').set('Authorization', `Bearer ${reg.adminToken}`);
    expect(org.status).toBe(200);
    // Other tests sign their own people into example-uni; this one checks the member it created.
    expect(org.body.member_list.filter((m: { handle: string }) => m.handle === 'alice')).toEqual([
      expect.objectContaining({ handle: 'alice', display_name: 'Alice Example', role: 'publisher', source: 'saml' }),
    ]);
    expect(await aliceRows()).toEqual([{ handle: 'alice' }]);
  });

  it('updates the name and organisation role at the next sign-in, without a second user', async () => {
    const beaMembers = async () =>
      (
        await request(base).get('/api/v1/orgs/example-uni').set('Authorization', `Bearer ${reg.adminToken}`)
      ).body.member_list.filter((m: { handle: string }) => m.handle === 'bea');
    const beaRows = () =>
      reg.database.db.selectFrom('users').select(['id', 'handle', 'kind']).where('handle', 'like', 'bea%').execute();
    await samlHttpLogin(base, 'campus', BEA);
    expect(await beaMembers()).toEqual([
      expect.objectContaining({ handle: 'bea', display_name: 'Bea Example', role: 'publisher', source: 'saml' }),
    ]);
    const first = await beaRows();
    expect(first).toEqual([expect.objectContaining({ handle: 'bea', kind: 'user' })]);
    try {
      idp.setUsers([
        ALICE,
        CLEO,
        {
          ...BEA,
          attributes: {
            ...BEA.attributes,
            displayName: ['Bea Renamed'],
            eduPersonEntitlement: ['urn:mace:example.edu:cws:admin'],
          },
        },
      ]);
      await samlHttpLogin(base, 'campus', BEA);
      expect(await beaMembers()).toEqual([
        expect.objectContaining({ handle: 'bea', display_name: 'Bea Renamed', role: 'admin', source: 'saml' }),
      ]);
      // The same user row, and no second user (bea-example-edu, bea-2, ...) for the same person.
      expect(await beaRows()).toEqual(first);
    } finally {
      idp.setUsers(IDP_USERS);
    }
  });

  it('ends the session here when the IdP starts single logout, and refuses an unsigned logout request', async () => {
    const { jar } = await samlHttpLogin(base, 'campus', CLEO);
    expect(await (await step(jar, `${base}/`)).text()).toContain('Signed in as <strong>cleo</strong>');
    const unsigned = await step(
      jar,
      `${base}/saml/logout/callback?SAMLRequest=${encodeURIComponent(
        (await import('node:zlib'))
          .deflateRawSync(
            `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_x" Version="2.0" IssueInstant="${new Date().toISOString()}"><saml:Issuer>${idp.entityId}</saml:Issuer><saml:NameID>x</saml:NameID></samlp:LogoutRequest>`,
          )
          .toString('base64'),
      )}`,
    );
    expect(unsigned.status).toBe(400);
    expect(await (await step(jar, `${base}/`)).text()).toContain('Signed in as <strong>cleo</strong>');
    // The IdP's own sign-out page logs the person out of every SP, this registry included.
    const out = await follow(jar, `${idp.url}/saml2/idp/initSLO.php?RelayState=${encodeURIComponent(`${idp.url}/`)}`);
    expect(out.res.status).toBeLessThan(500);
    const home = await step(jar, `${base}/`);
    expect(await home.text()).not.toContain('Signed in as');
  });
});

describe.skipIf(!IDP_AVAILABLE)(
  'SAML with an SP key: signed AuthnRequests, encrypted assertions (SimpleSAMLphp)',
  () => {
    let idp: SimpleSamlIdp;
    let reg: TestRegistry;
    let base: string;
    let dir: string;
    let spCert: string;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'cws-saml-sp-'));
      spCert = selfSigned(dir, 'sp', 'cws-sp').cert;
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      idp = await startSimpleSamlIdp({
        spEntityId: `${base}/saml/metadata`,
        acsUrl: `${base}/saml/acs`,
        users: [ALICE],
        spCertPem: spCert,
      });
      const saml: SamlConfig = {
        spEntityId: null,
        spKeyFile: join(dir, 'sp.key'),
        spCertFile: join(dir, 'sp.crt'),
        clockSkewSeconds: 60,
        wantResponseSigned: false,
        idps: [
          {
            id: 'campus',
            label: 'Example University',
            metadata: idp.metadataUrl,
            organisation: null,
            attributes: DEFAULT_ATTRIBUTES,
            roles: [{ role: 'member', values: ['*'] }],
            idpInitiated: false,
          },
        ],
      };
      reg = await startRegistry({
        config: { http: { host: '127.0.0.1', port, publicUrl: base, bodyLimit: '256kb', trustProxy: false }, saml },
      });
    }, 120_000);

    afterAll(async () => {
      await reg?.close();
      await idp?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('publishes its certificate, signs requests the IdP checks, and reads the encrypted assertion', async () => {
      const xml = await (await fetch(`${base}/saml/metadata`)).text();
      const certB64 = spCert.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
      expect(xml.replace(/\s+/g, '')).toContain(certB64);
      expect(xml).toContain('AuthnRequestsSigned="true"');

      // A request whose signature was tampered with is refused by the IdP.
      const jar = new CookieJar();
      const start = await step(jar, `${base}/saml/login/campus`);
      const location = new URL(start.headers.get('location')!);
      expect(location.searchParams.get('SigAlg')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
      const sig = location.searchParams.get('Signature')!;
      location.searchParams.set('Signature', `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`);
      const tampered = await step(jar, location.toString());
      // SimpleSAMLphp answers an error page (with status 200), not its login form; its log says why.
      const page = await tampered.text();
      expect(page).toContain('Unhandled exception');
      expect(page).not.toContain('AuthState');
      const idpLog = readFileSync(join(idp.dir, 'log', 'simplesamlphp.log'), 'utf8');
      expect(idpLog).toContain('Unable to validate signature on query string');

      const { jar: j2, form } = await idpResponseFor(base, 'campus', ALICE);
      const response = Buffer.from(form.SAMLResponse, 'base64').toString('utf8');
      expect(response).toContain('EncryptedAssertion');
      expect(response).not.toContain('alice@example.edu');
      const acs = await postToAcs(j2, form);
      expect(acs.status).toBe(303);
      const home = await step(j2, `${base}/`);
      expect(await home.text()).toContain('Signed in as <strong>alice</strong>');
    });
  },
);
