import { checkTemplate, listingDetail, listingTemplate } from '@cws/shared';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, fakeAmi, publish, publishBody } from '../helpers/api.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

let reg: TestRegistry;
let alice: string;
let bob: string;
beforeAll(async () => {
  reg = await startRegistry();
  alice = await createUser(reg, 'alice');
  bob = await createUser(reg, 'bob');
});
afterAll(() => reg?.close());

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const TEMPLATE = `name: python-ml
description: Python for tests
ami_config:
  strategy: ami_preferred
setup_script: |
  #!/bin/bash
  apt-get install -y python3 python3-venv
`;
const withTemplate = (name: string, yaml: string, version = '1.0.0') => {
  const body = publishBody(name);
  return { ...body, version: { ...body.version, version, template_yaml: yaml } };
};

describe('templates travel with listings', () => {
  it('stores the template sent with a publish and serves it', async () => {
    const detail = listingDetail.parse(await publish(reg, alice, withTemplate('torch', TEMPLATE)));
    expect(detail.versions[0]!.has_template).toBe(true);
    const res = await request(reg.url).get('/api/v1/listings/alice/torch/template');
    expect(res.status).toBe(200);
    expect(listingTemplate.parse(res.body)).toEqual({
      listing: 'alice/torch',
      version: '1.0.0',
      version_status: 'active',
      name: 'python-ml',
      yaml: TEMPLATE,
    });
    // What is served parses with the schema the CLI uses.
    expect(checkTemplate(res.body.yaml, 'fetched').ok).toBe(true);
  });

  it('refuses an invalid template with the line and the field, and writes nothing', async () => {
    const bad = TEMPLATE.replace('strategy: ami_preferred', 'strategy: sometimes');
    const res = await request(reg.url).post('/api/v1/listings').set(auth(alice)).send(withTemplate('bad', bad));
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/template is not valid: template:4:3: ami_config\.strategy: /);
    expect(res.body.error.details[0].path).toBe('body.version.template_yaml');
    const gone = await request(reg.url).get('/api/v1/listings/alice/bad');
    expect(gone.status).toBe(404);
  });

  it("refuses a template that is not the listing's template", async () => {
    const res = await request(reg.url)
      .post('/api/v1/listings')
      .set(auth(alice))
      .send(withTemplate('other', TEMPLATE.replace('name: python-ml', 'name: r-research')));
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe("the template is named r-research, but the listing's template is python-ml");
  });

  it('refuses YAML that is not a mapping and a template over the size limit', async () => {
    for (const yaml of ['- just\n- a list\n', `name: python-ml\ndescription: "${'x'.repeat(140_000)}"\n`]) {
      const res = await request(reg.url).post('/api/v1/listings').set(auth(alice)).send(withTemplate('big', yaml));
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/template|characters|kB/);
    }
  });

  it('a new version brings a newer template; ?version= asks for an older one; revoked versions are skipped', async () => {
    const v2 = TEMPLATE.replace('Python for tests', 'Python, second edition');
    const add = await request(reg.url)
      .post('/api/v1/listings/alice/torch/versions')
      .set(auth(alice))
      .send({
        version: '2.0.0',
        template_yaml: v2,
        regions: [{ region: 'us-east-1', architecture: 'x86_64', ami_id: fakeAmi() }],
      });
    expect(add.status).toBe(201);
    expect(add.body.has_template).toBe(true);
    const newest = await request(reg.url).get('/api/v1/listings/alice/torch/template');
    expect(newest.body).toMatchObject({ version: '2.0.0', yaml: v2 });
    const older = await request(reg.url).get('/api/v1/listings/alice/torch/template?version=1.0.0');
    expect(older.body).toMatchObject({ version: '1.0.0', yaml: TEMPLATE });
    const revoke = await request(reg.url)
      .post('/api/v1/listings/alice/torch/versions/2.0.0/revoke')
      .set(auth(alice))
      .send({ reason: 'broken' });
    expect(revoke.status).toBe(200);
    const after = await request(reg.url).get('/api/v1/listings/alice/torch/template');
    expect(after.body).toMatchObject({ version: '1.0.0', yaml: TEMPLATE });
    // Asked for by version, a revoked one is still served, marked as such.
    const asked = await request(reg.url).get('/api/v1/listings/alice/torch/template?version=2.0.0');
    expect(asked.body).toMatchObject({ version: '2.0.0', version_status: 'revoked' });
  });

  it('404s clearly: no template, no such version, no such listing, a private listing to others', async () => {
    await publish(reg, alice, publishBody('plain'));
    const cases: Array<[string, string | undefined, string]> = [
      ['/api/v1/listings/alice/plain/template', undefined, 'alice/plain has no version that carries its template'],
      ['/api/v1/listings/alice/plain/template?version=1.0.0', undefined, 'was published without its template'],
      ['/api/v1/listings/alice/torch/template?version=9.9.9', undefined, 'alice/torch has no version 9.9.9'],
      ['/api/v1/listings/alice/nothing/template', undefined, 'no listing alice/nothing'],
    ];
    await publish(reg, alice, { ...withTemplate('secret', TEMPLATE), visibility: 'private' });
    cases.push(['/api/v1/listings/alice/secret/template', bob, 'no listing alice/secret']);
    for (const [path, token, message] of cases) {
      const req = request(reg.url).get(path);
      const res = await (token ? req.set(auth(token)) : req);
      expect(res.status, path).toBe(404);
      expect(res.body.error.message).toContain(message);
    }
    const own = await request(reg.url).get('/api/v1/listings/alice/secret/template').set(auth(alice));
    expect(own.status).toBe(200);
  });

  it('rejects a bad version parameter with 400', async () => {
    const res = await request(reg.url).get('/api/v1/listings/alice/torch/template?version=a%20b');
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('query.version');
  });
});
