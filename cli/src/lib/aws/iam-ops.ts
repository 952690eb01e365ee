import type { IAMClient } from '@aws-sdk/client-iam';
import { toAwsError } from './gateway.js';
import { quietSdkNodeWarning } from './sdk-clients.js';

/**
 * Creates, once per account, the instance profile cws's builders and check instances use: a role EC2 may assume
 * with AmazonSSMManagedInstanceCore attached, in a profile of the same name. Each step is skipped when it is done
 * already, so running it again repairs a half-made profile. IAM is global (signed for us-east-1).
 */
export const SSM_CORE_POLICY = 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore';
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

export interface ProfileResult {
  name: string;
  role: string;
  arn: string;
  created: { role: boolean; profile: boolean; policy_attached: boolean; role_added: boolean };
}

type Sdk = typeof import('@aws-sdk/client-iam');

export async function ensureSsmInstanceProfile(name: string): Promise<ProfileResult> {
  quietSdkNodeWarning();
  const m: Sdk = await import('@aws-sdk/client-iam');
  const client: IAMClient = new m.IAMClient({ region: 'us-east-1', maxAttempts: 3 });
  const call = async <T>(action: string, cmd: unknown): Promise<T> => {
    try {
      // biome-ignore lint/suspicious/noExplicitAny: one send() for several command types
      return (await client.send(cmd as any)) as T;
    } catch (err) {
      throw toAwsError(err, `iam:${action}`, 'global');
    }
  };
  const missing = (err: unknown) => (err as { awsCode?: string }).awsCode === 'NoSuchEntity';
  const created = { role: false, profile: false, policy_attached: false, role_added: false };
  try {
    await call('GetRole', new m.GetRoleCommand({ RoleName: name }));
  } catch (err) {
    if (!missing(err)) throw err;
    await call(
      'CreateRole',
      new m.CreateRoleCommand({
        RoleName: name,
        AssumeRolePolicyDocument: TRUST,
        Description: 'cws: SSM for build and check instances',
      }),
    );
    created.role = true;
  }
  const attached = await call<{ AttachedPolicies?: { PolicyArn?: string }[] }>(
    'ListAttachedRolePolicies',
    new m.ListAttachedRolePoliciesCommand({ RoleName: name }),
  );
  if (!attached.AttachedPolicies?.some((p) => p.PolicyArn === SSM_CORE_POLICY)) {
    await call('AttachRolePolicy', new m.AttachRolePolicyCommand({ RoleName: name, PolicyArn: SSM_CORE_POLICY }));
    created.policy_attached = true;
  }
  let profile: { InstanceProfile?: { Arn?: string; Roles?: { RoleName?: string }[] } };
  try {
    profile = await call('GetInstanceProfile', new m.GetInstanceProfileCommand({ InstanceProfileName: name }));
  } catch (err) {
    if (!missing(err)) throw err;
    profile = await call('CreateInstanceProfile', new m.CreateInstanceProfileCommand({ InstanceProfileName: name }));
    created.profile = true;
  }
  if (!profile.InstanceProfile?.Roles?.some((r) => r.RoleName === name)) {
    await call(
      'AddRoleToInstanceProfile',
      new m.AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: name }),
    );
    created.role_added = true;
  }
  client.destroy();
  return { name, role: name, arn: profile.InstanceProfile?.Arn ?? '', created };
}
