import type { CreatedUser, PublishBody } from '@cws/shared';
import request from 'supertest';
import type { TestRegistry } from './registry.js';

/** Creates a user through the admin API and returns their token. */
export async function createUser(reg: TestRegistry, handle: string, role: 'user' | 'maintainer' | 'admin' = 'user') {
  const res = await request(reg.url)
    .post('/api/v1/users')
    .set('Authorization', `Bearer ${reg.adminToken}`)
    .send({ handle, role });
  if (res.status !== 201) throw new Error(`createUser ${handle}: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as CreatedUser).token.token;
}

let amiCounter = 0;
/** A well-formed, unique EC2 image id. */
export function fakeAmi(): string {
  amiCounter += 1;
  return `ami-${(Date.now() % 1e9).toString(16).padStart(8, '0')}${amiCounter.toString(16).padStart(9, '0')}`.slice(
    0,
    21,
  );
}

export function publishBody(name: string, overrides: Partial<PublishBody> = {}, regions = ['us-east-1']): PublishBody {
  return {
    name,
    template: 'python-ml',
    category: 'machine-learning',
    description: `${name} for tests`,
    tags: ['python'],
    visibility: 'public',
    version: {
      version: '1.0.0',
      regions: regions.map((region) => ({ region, architecture: 'x86_64', ami_id: fakeAmi() })),
    },
    ...overrides,
  };
}

export async function publish(reg: TestRegistry, token: string, body: PublishBody) {
  const res = await request(reg.url).post('/api/v1/listings').set('Authorization', `Bearer ${token}`).send(body);
  if (res.status !== 201) throw new Error(`publish ${body.name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
