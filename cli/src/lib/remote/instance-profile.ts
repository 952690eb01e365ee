import type { CliContext } from '../context.js';

/**
 * The instance profile builders and check instances get, so their SSM agent can register: --instance-profile >
 * CWS_INSTANCE_PROFILE > config defaults.instance_profile > `cws-ssm` (README: how to create it).
 */
export const DEFAULT_INSTANCE_PROFILE = 'cws-ssm';

export async function instanceProfile(ctx: CliContext, flag: string | undefined): Promise<string> {
  const config = await ctx.config();
  const fromConfig = (config.defaults as { instance_profile?: unknown } | undefined)?.instance_profile;
  return (
    flag ??
    ctx.env.CWS_INSTANCE_PROFILE ??
    (typeof fromConfig === 'string' ? fromConfig : undefined) ??
    DEFAULT_INSTANCE_PROFILE
  );
}

/** What to tell a user whose profile EC2 refused. */
export function profileSuggestions(name: string): string[] {
  return [
    `create it: cws instance-profile create ${name} (a role with AmazonSSMManagedInstanceCore, in a profile of that name)`,
    'or name an existing one: --instance-profile NAME, or CWS_INSTANCE_PROFILE',
  ];
}
