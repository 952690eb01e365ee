import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { safeReturnPath } from '../http/web/saml.js';
import { handleCandidates, mapProfile, roleFor } from '../services/saml/mapping.js';
import { buildConfig } from './config.js';
import { readEnv } from './env.js';
import { DEFAULT_ATTRIBUTES, parseRoleMap } from './saml.js';

const PUBLIC = { CWS_REGISTRY_PUBLIC_URL: 'https://cws.example.edu' };

describe('SAML settings', () => {
  it('is off without IdP metadata, and one IdP with defaults when given', () => {
    expect(buildConfig(readEnv({})).saml).toBeNull();
    const saml = buildConfig(readEnv({ ...PUBLIC, CWS_REGISTRY_SAML_IDP_METADATA: '/etc/idp.xml' })).saml!;
    expect(saml.idps).toEqual([
      expect.objectContaining({ id: 'idp', label: 'your institution', metadata: '/etc/idp.xml', organisation: null }),
    ]);
    expect(saml.idps[0]!.roles).toEqual([{ role: 'member', values: ['*'] }]);
    expect(saml.idps[0]!.idpInitiated).toBe(false);
    expect(saml.clockSkewSeconds).toBe(60);
  });

  it('refuses SAML without a public URL, half an SP key pair, or both ways of naming IdPs', () => {
    expect(() => buildConfig(readEnv({ CWS_REGISTRY_SAML_IDP_METADATA: '/x.xml' }))).toThrow(/CWS_REGISTRY_PUBLIC_URL/);
    expect(() =>
      buildConfig(readEnv({ ...PUBLIC, CWS_REGISTRY_SAML_IDP_METADATA: '/x.xml', CWS_REGISTRY_SAML_SP_KEY: '/k.pem' })),
    ).toThrow(/SP_KEY and CWS_REGISTRY_SAML_SP_CERT/);
    expect(() =>
      buildConfig(readEnv({ ...PUBLIC, CWS_REGISTRY_SAML_IDP_METADATA: '/x.xml', CWS_REGISTRY_SAML_IDPS: '/i.yaml' })),
    ).toThrow(/either/);
    expect(() => readEnv({ CWS_REGISTRY_SAML_CLOCK_SKEW: '3600' })).toThrow(/CLOCK_SKEW/);
  });

  it('parses role maps and says what is wrong with a bad one', () => {
    expect(parseRoleMap('admin=urn:x:admin;publisher=staff, faculty;member=*')).toEqual([
      { role: 'admin', values: ['urn:x:admin'] },
      { role: 'publisher', values: ['staff', 'faculty'] },
      { role: 'member', values: ['*'] },
    ]);
    expect(() => parseRoleMap('owner=x')).toThrow(/ROLE one of member, publisher, admin/);
    expect(() => parseRoleMap('admin=')).toThrow(/names no group values/);
  });

  it('reads several IdPs, each bound to an organisation, from a YAML file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cws-saml-config-'));
    try {
      const file = join(dir, 'idps.yaml');
      writeFileSync(
        file,
        `idps:
  - { id: north, label: North University, metadata: https://idp.north.example/md, organisation: north,
      roles: { admin: [urn:north:admin], member: ['*'] } }
  - { id: south, label: South College, metadata: /etc/south.xml, organisation: south,
      attributes: { id: [subject-id] }, roles: 'publisher=staff' }
`,
      );
      const saml = buildConfig(readEnv({ ...PUBLIC, CWS_REGISTRY_SAML_IDPS: file })).saml!;
      expect(saml.idps.map((i) => [i.id, i.organisation])).toEqual([
        ['north', 'north'],
        ['south', 'south'],
      ]);
      expect(saml.idps[0]!.roles).toEqual([
        { role: 'member', values: ['*'] },
        { role: 'admin', values: ['urn:north:admin'] },
      ]);
      expect(saml.idps[1]!.attributes.id).toEqual(['subject-id']);
      expect(saml.idps[1]!.attributes.mail).toEqual(DEFAULT_ATTRIBUTES.mail);
      writeFileSync(file, 'idps:\n  - { id: a, label: A, metadata: /a }\n  - { id: a, label: B, metadata: /b }\n');
      expect(() => buildConfig(readEnv({ ...PUBLIC, CWS_REGISTRY_SAML_IDPS: file }))).toThrow(/used twice/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SAML attribute mapping', () => {
  const idp = {
    id: 'campus',
    label: 'Campus',
    metadata: '/x',
    organisation: 'campus',
    attributes: DEFAULT_ATTRIBUTES,
    roles: parseRoleMap('admin=urn:x:admin;publisher=staff'),
    idpInitiated: false,
  };

  it('takes the first id attribute present, else a persistent NameID, and never a transient one', () => {
    expect(mapProfile(idp, { attributes: { 'urn:oid:1.3.6.1.4.1.5923.1.1.1.6': 'ada@example.edu' } })).toMatchObject({
      subject: 'ada@example.edu',
    });
    const persistent = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
    expect(mapProfile(idp, { nameID: 'opaque-123', nameIDFormat: persistent })).toMatchObject({
      subject: 'opaque-123',
    });
    expect(
      mapProfile(idp, { nameID: '_t1', nameIDFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient' }),
    ).toHaveProperty('missing');
  });

  it('maps groups to the highest matching role, or none', () => {
    expect(roleFor(idp.roles, ['staff', 'urn:x:admin'])).toBe('admin');
    expect(roleFor(idp.roles, ['staff'])).toBe('publisher');
    expect(roleFor(idp.roles, ['student'])).toBeNull();
    const person = mapProfile(idp, {
      eduPersonPrincipalName: 'ada@example.edu',
      eduPersonAffiliation: ['staff', 'member'],
      memberOf: 'cn=hpc',
    });
    expect(person).toMatchObject({ role: 'publisher', groups: ['cn=hpc', 'staff', 'member'] });
  });

  it('derives handles from the id', () => {
    expect(handleCandidates('Ada.Lovelace@example.edu', null).slice(0, 3)).toEqual([
      'ada-lovelace',
      'ada-lovelace-example',
      'ada-lovelace-example-2',
    ]);
    expect(handleCandidates('@@@', 'Émile Zola')[0]).toBe('emile-zola');
  });
});

describe('where sign-in may return to', () => {
  it('allows only this registry’s own paths', () => {
    expect(safeReturnPath('/l/alice/box?x=1#r')).toBe('/l/alice/box?x=1#r');
    expect(safeReturnPath('/device?code=BCDF-GHJK')).toBe('/device?code=BCDF-GHJK');
    for (const bad of ['https://evil.example/', '//evil.example', '/\\evil.example', 'javascript:alert(1)', '', 7]) {
      expect(safeReturnPath(bad), String(bad)).toBeNull();
    }
    expect(safeReturnPath('/api/v1/me')).toBe('/');
  });
});
