import { AMI_ID_PATTERN } from '@cws/shared/validators';
import { AwsError } from '../../aws/gateway.js';
import { type AmiSearch, BASE_IMAGES, type Template } from '../../templates/schema.js';
import {
  elapsed,
  expandPattern,
  type ResolveRequest,
  type ResolverDeps,
  searchQuery,
  type TierResult,
} from '../context.js';
import { AMI_LAUNCH_SECONDS, humanDuration, setupSeconds } from '../estimates.js';
import type { UserDataInfo } from '../types.js';

interface BaseImagePlan {
  label: string;
  ssm_parameter?: string | undefined;
  search?: AmiSearch | undefined;
}

export function baseImagePlan(template: Template): BaseImagePlan {
  const base = template.base_image;
  if (typeof base === 'string') return { label: base, ...BASE_IMAGES[base] };
  const known = base.source ? BASE_IMAGES[base.source] : undefined;
  return {
    label: base.source ?? base.ssm_parameter ?? base.search?.name_pattern ?? 'custom base image',
    ssm_parameter: base.ssm_parameter ?? known?.ssm_parameter,
    search: base.search ?? known?.search,
  };
}

export function userDataFor(template: Template): UserDataInfo {
  const script = template.setup_script;
  if (!script?.trim()) return { present: false, bytes: 0, sha256: null, base64: null };
  const buf = Buffer.from(script, 'utf8');
  return {
    present: true,
    bytes: buf.length,
    // node:crypto only when a template has a user-data script (it is ~20 modules to load).
    sha256: process.getBuiltinModule('node:crypto').createHash('sha256').update(buf).digest('hex'),
    base64: buf.toString('base64'),
  };
}

/**
 * Tier 5: the base OS image (Canonical's public SSM parameter first, then an owner-pinned DescribeImages) with the
 * template's setup script as user data.
 */
export async function scriptFallback(req: ResolveRequest, deps: ResolverDeps): Promise<TierResult> {
  const start = performance.now();
  const plan = baseImagePlan(req.template);
  const notes: string[] = [];
  let awsError: Error | undefined;
  const userData = userDataFor(req.template);
  const setup = setupSeconds(req.template);
  const finish = (amiId: string, how: string, source: NonNullable<TierResult['hit']>['source']): TierResult => ({
    entries: [
      {
        tier: 'script_fallback',
        outcome: 'selected',
        detail: `base image ${amiId} (${plan.label}) ${how}; ${userData.present ? `setup script as user data (${userData.bytes} bytes)` : 'no setup script'}`,
        ms: elapsed(start),
      },
    ],
    warnings: [
      `no ready image for ${req.template.name}: the instance runs the setup script on first boot (about ${humanDuration(setup)})`,
    ],
    hit: {
      ami_id: amiId,
      method: 'script_fallback',
      source,
      estimated_launch_seconds: AMI_LAUNCH_SECONDS + setup,
      user_data: userData,
    },
  });

  if (plan.ssm_parameter) {
    const name = expandPattern(plan.ssm_parameter, req.architecture);
    try {
      const value = await deps.aws.getParameter(req.region, name);
      if (value && AMI_ID_PATTERN.test(value)) {
        return finish(value, `from SSM parameter ${name}`, { type: 'ssm', name });
      }
      notes.push(
        value
          ? `SSM parameter ${name} holds "${value.slice(0, 40)}", not an image id`
          : `SSM parameter ${name} not found`,
      );
    } catch (err) {
      if (!(err instanceof AwsError)) throw err;
      awsError = err;
      notes.push(err.message);
    }
  }
  if (plan.search) {
    const query = searchQuery(plan.search, req.architecture);
    try {
      const image = await deps.aws.findNewestImage(req.region, query);
      if (image) {
        const how = `found by DescribeImages (owner ${image.owner_id}, "${image.name}")${notes.length ? ` after ${notes.join('; ')}` : ''}`;
        return finish(image.image_id, how, {
          type: 'ec2',
          name: 'ec2:DescribeImages',
          owner: image.owner_id,
          image_name: image.name,
        });
      }
      notes.push(`no image named "${query.namePattern}" owned by ${query.owners.join(', ')} in ${req.region}`);
    } catch (err) {
      if (!(err instanceof AwsError)) throw err;
      awsError ??= err;
      notes.push(err.message);
    }
  }
  if (!plan.ssm_parameter && !plan.search) notes.push('the base image names neither an SSM parameter nor a search');
  return {
    entries: [
      {
        tier: 'script_fallback',
        outcome: awsError ? 'error' : 'not_found',
        detail: `no base image for ${plan.label}: ${notes.join('; ')}`,
        ms: elapsed(start),
      },
    ],
    warnings: [],
    ...(awsError ? { awsError } : {}),
  };
}
