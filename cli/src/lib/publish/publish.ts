import {
  AMI_ID_PATTERN,
  isRegistryError,
  type ListingDetail,
  parseListingRef,
  type VersionVerification,
  type Visibility,
} from '@cws/shared';
import type { CliContext } from '../context.js';
import { CwsError } from '../errors.js';
import type { HygieneReport } from '../hygiene/check.js';
import type { Progress } from '../instances/launch.js';
import { pickRegistry, registryFailure } from '../registries.js';
import { save, type Tell } from '../save/save.js';
import { LocalState } from '../state.js';
import { findTemplate } from '../templates/catalog.js';
import { readTemplateText } from '../templates/parse.js';
import { proveAccount } from './account.js';
import { hygieneGate } from './hygiene-gate.js';
import { makeLaunchable, type TargetImage } from './launchable.js';

export interface PublishOptions {
  source: string;
  name: string;
  version?: string | undefined;
  template?: string | undefined;
  category?: string | undefined;
  description?: string | undefined;
  changelog?: string | undefined;
  public: boolean;
  shareWith: string[];
  shareSnapshots: boolean;
  registry?: string | undefined;
  /** Publish as this organisation: the listing is ORG/NAME. */
  org?: string | undefined;
  region?: string | undefined;
  /** Skip the in-image hygiene check (recorded on the version). */
  skipHygiene?: boolean | undefined;
  /** Run the hygiene check also when sharing with accounts only. */
  hygiene?: boolean | undefined;
  /** Publish despite hygiene findings, for this reason (the registry's audit log keeps it). */
  acceptRisk?: string | undefined;
  instanceProfile?: string | undefined;
}

export interface PublishResult {
  registry: string;
  listing: string;
  version: string;
  action: 'published' | 'version_added';
  template: string;
  /** The listing's visibility on the registry now (an existing listing keeps its own unless --public changed it). */
  visibility: Visibility;
  /** --public onto an existing listing that was not public: what it was and is now. */
  visibility_changed: { from: Visibility; to: Visibility } | null;
  account_id: string;
  regions: { region: string; architecture: string; ami_id: string }[];
  /** The image this one was saved from and its listing, sent to the registry for lineage. */
  parent_ami: string | null;
  parent_listing: string | null;
  saved: { save_id: string; template_file: string | null } | null;
  verification: VersionVerification | null;
  verification_note: string | null;
  /** The in-image hygiene check, when one ran. */
  hygiene: HygieneReport | null;
  hygiene_status: 'passed' | 'findings_accepted' | 'skipped' | null;
  /** The template file sent with the version (others get it with cws template fetch); null: none was found here. */
  template_file: string | null;
  warnings: string[];
}

interface Source {
  images: TargetImage[];
  template: string;
  description: string | undefined;
  saved: PublishResult['saved'];
  /** Provenance recorded by cws save (template saved_from, or the image's cws:parent-* tags). */
  parent: { parent_ami?: string; parent_listing?: string };
}

/** SOURCE: an image id (in --region), an instance cws launched (saved first), or a template with ami_mappings. */
async function readSource(
  ctx: CliContext,
  opts: PublishOptions,
  listingName: string,
  progress: Progress,
  tell: Tell,
): Promise<Source> {
  const ec2 = await ctx.aws();
  if (AMI_ID_PATTERN.test(opts.source)) {
    const region = await ctx.region(opts.region);
    if (!region) {
      throw new CwsError('an image id needs its region: pass --region', { code: 'no_region' });
    }
    const img = await ec2.describeImage(region, opts.source);
    return {
      images: [{ region, ami_id: opts.source, architecture: img?.architecture || 'x86_64' }],
      template: opts.template ?? img?.tags['cws:source-template'] ?? '',
      description: undefined,
      saved: null,
      parent: parentOf(img?.tags['cws:parent-ami'], img?.tags['cws:parent-listing']),
    };
  }
  const instance = await new LocalState(ctx.paths.stateDir).findInstance(opts.source);
  let templateRef = opts.source;
  let saved: PublishResult['saved'] = null;
  if (instance) {
    tell(`${opts.source} is an instance: saving it first as template ${listingName}.`);
    const result = await save(
      ctx,
      { instance: opts.source, templateName: listingName, copyToRegions: [], noReboot: false, wait: true },
      progress,
      tell,
    );
    saved = { save_id: result.save_id, template_file: result.template_file };
    templateRef = result.template_file ?? listingName;
  }
  const { template } = await findTemplate(templateRef, ctx.paths.templatesDir);
  const images: TargetImage[] = [];
  for (const [region, byArch] of Object.entries(template.ami_config.ami_mappings ?? {})) {
    for (const [architecture, ami] of Object.entries(byArch)) {
      if (ami) images.push({ region, architecture, ami_id: ami });
    }
  }
  if (images.length === 0) {
    throw new CwsError(`template ${template.name} maps no images (ami_config.ami_mappings is empty)`, {
      code: 'nothing_to_publish',
      suggestions: [
        `save an instance first: cws save INSTANCE ${template.name}`,
        'or publish an image id: cws ami publish ami-... --name OWNER/NAME',
      ],
    });
  }
  return {
    images,
    template: opts.template ?? template.saved_from?.original_template ?? template.name,
    description: template.description || undefined,
    saved,
    parent: parentOf(template.saved_from?.parent_ami, template.saved_from?.parent_listing),
  };
}

/** Only well-formed provenance is sent: the registry would refuse the whole version over a bad field. */
function parentOf(ami: string | undefined, listing: string | undefined): Source['parent'] {
  return {
    ...(ami && AMI_ID_PATTERN.test(ami) ? { parent_ami: ami } : {}),
    ...(listing && /^[a-z0-9][a-z0-9._-]{0,38}\/[a-z0-9][a-z0-9._-]{0,99}(@[A-Za-z0-9._+-]{1,64})?$/.test(listing)
      ? { parent_listing: listing }
      : {}),
  };
}

function nextVersion(latest: string | null): string {
  const m = latest ? /^(\d+)\.(\d+)\.(\d+)$/.exec(latest) : null;
  if (!m) return latest ? `${latest}.1` : '1.0.0';
  return `${m[1]}.${m[2]}.${Number(m[3]) + 1}`;
}

export async function publish(
  ctx: CliContext,
  opts: PublishOptions,
  progress: Progress,
  tell: Tell,
): Promise<PublishResult> {
  const ref = parseListingRef(opts.name.includes('/') || !opts.org ? opts.name : `${opts.org}/${opts.name}`);
  if (ref && opts.org && ref.owner !== opts.org) {
    throw new CwsError(
      `--name ${opts.name} is not in the organisation ${opts.org}: use --name ${opts.org}/${ref.name}`,
      {
        code: 'usage',
      },
    );
  }
  if (!ref) {
    throw new CwsError(`--name must be OWNER/NAME (e.g. alice/torch-lab), not "${opts.name}"`, {
      code: 'usage',
    });
  }
  if (opts.public && opts.shareWith.length > 0) {
    throw new CwsError('--public and --share-with exclude each other', { code: 'usage' });
  }
  const bad = opts.shareWith.filter((a) => !/^\d{12}$/.test(a));
  if (bad.length) {
    throw new CwsError(`--share-with takes 12-digit AWS account ids, not ${bad.join(', ')}`, {
      code: 'usage',
    });
  }
  const entry = pickRegistry(await ctx.config(), opts.registry ?? (await ctx.defaultRegistry()));
  if (!entry.token) {
    throw new CwsError(`publishing needs a login: no token is stored for ${entry.name}`, {
      code: 'unauthorized',
      suggestions: [`log in with your AWS account: cws login --aws --registry ${entry.name}`],
    });
  }
  const warnings: string[] = [];
  // Prove the account first: it says whose images these may be, before anything is changed in EC2.
  progress(`Proving your AWS account to ${entry.name}`);
  const { info, proof, client } = await proveAccount(ctx, entry, entry.token, opts.region);
  if (!opts.org && proof.user.handle !== ref.owner) {
    warnings.push(
      `you are ${proof.user.handle} on ${entry.name}; publishing under ${ref.owner} needs its owner's or a maintainer's rights`,
    );
  }
  // Ask the registry about the organisation role before sharing anything in EC2 for a publish it would refuse.
  if (opts.org) {
    const orgs = await client.listOrgs().catch(() => null);
    const mine = orgs?.find((o) => o.name === opts.org);
    if (orgs && !mine) {
      throw new CwsError(`no organisation ${opts.org} that you belong to on ${entry.name}`, {
        code: 'not_found',
        suggestions: ['your organisations: cws org list'],
      });
    }
    if (mine && mine.my_role !== 'publisher' && mine.my_role !== 'admin') {
      throw new CwsError(
        `publishing as ${opts.org} needs its publisher or admin role; you are ${mine.my_role ? `a ${mine.my_role}` : 'not a member'}`,
        {
          code: 'forbidden',
          suggestions: [`ask an admin of ${opts.org} for the publisher role (cws org show ${opts.org})`],
        },
      );
    }
  }
  const source = await readSource(ctx, opts, ref.name, progress, tell);
  if (!source.template) {
    throw new CwsError('which template is this image for? pass --template (e.g. --template python-ml)', {
      code: 'usage',
    });
  }
  const gate = await hygieneGate(ctx, {
    images: source.images,
    public: opts.public,
    shareWith: opts.shareWith,
    skip: opts.skipHygiene ?? false,
    force: opts.hygiene ?? false,
    acceptRisk: opts.acceptRisk,
    instanceProfile: opts.instanceProfile,
    progress,
  });
  warnings.push(...gate.warnings);
  const audience = opts.public
    ? { public: true, accounts: [] as string[] }
    : {
        public: false,
        // The registry can only verify an image it can see: share with its account too.
        accounts: [
          ...new Set([...opts.shareWith, ...(info.verification.account_id ? [info.verification.account_id] : [])]),
        ],
      };
  const launchable = await makeLaunchable(await ctx.aws(), source.images, proof.account_id, audience, {
    requireAudience: !opts.public && opts.shareWith.length === 0,
    shareSnapshots: opts.shareSnapshots,
    progress,
  });
  warnings.push(...launchable.warnings);

  progress(`Registering ${ref.owner}/${ref.name} on ${entry.name}`);
  const existing: ListingDetail | null = await client.getListing(ref.owner, ref.name).catch((err) => {
    if (isRegistryError(err) && err.status === 404) return null;
    throw registryFailure(err, entry, `look up ${opts.name}`);
  });
  const version = opts.version ?? nextVersion(existing?.latest_version ?? existing?.versions[0]?.version ?? null);
  const regions = launchable.images.map((i) => ({
    region: i.region,
    architecture: i.architecture as 'x86_64' | 'arm64',
    ami_id: i.ami_id,
    owner_account: proof.account_id,
  }));
  const sent = await templateText(ctx, source.template);
  if (!sent) {
    warnings.push(
      `no template named ${source.template} here: the version is published without it, so others cannot get it with cws template fetch ${ref.owner}/${ref.name}`,
    );
  }
  const versionBody = {
    version,
    ...(opts.changelog ? { changelog: opts.changelog } : {}),
    source_template: source.template,
    ...source.parent,
    ...(sent ? { template_yaml: sent.yaml } : {}),
    regions,
    ...(gate.input ? { hygiene: gate.input } : {}),
  };
  // An organisation's image not shared with everyone is for its members: visibility org.
  const intended: Visibility = opts.public || launchable.alreadyPublic ? 'public' : opts.org ? 'org' : 'unlisted';
  try {
    if (existing) await client.newVersion(ref.owner, ref.name, versionBody);
    else
      await client.publish({
        name: ref.name,
        template: source.template,
        ...(opts.category ? { category: opts.category } : {}),
        description: opts.description ?? source.description ?? '',
        visibility: intended,
        ...(opts.org ? { org: opts.org } : {}),
        version: versionBody,
      });
  } catch (err) {
    throw registryFailure(err, entry, `publish ${opts.name}`);
  }
  // A new version leaves the listing's visibility as it was: --public asks for a public listing, so change it.
  let visibility: Visibility = existing ? existing.visibility : intended;
  let visibilityChanged: PublishResult['visibility_changed'] = null;
  if (existing && opts.public && existing.visibility !== 'public') {
    progress(`Making ${ref.owner}/${ref.name} public on ${entry.name}`);
    try {
      visibility = (await client.setVisibility(ref.owner, ref.name, 'public')).visibility;
      visibilityChanged = { from: existing.visibility, to: visibility };
    } catch (err) {
      const e = registryFailure(err, entry, `make ${ref.owner}/${ref.name} public`) as Error;
      warnings.push(
        `${ref.owner}/${ref.name} stays ${existing.visibility} (the image is public in EC2): ${e.message}; its owner can run: cws ami visibility ${ref.owner}/${ref.name} public`,
      );
    }
  }

  let verification: VersionVerification | null = null;
  let note: string | null = null;
  if (!info.verification.enabled) {
    note = `${entry.name} does not check images in EC2${info.verification.reason ? ` (${info.verification.reason})` : ''}; the listing stays unverified`;
  } else {
    progress(`Waiting for ${entry.name} to verify the images`);
    verification = await client.verifyVersion(ref.owner, ref.name, version).catch((err) => {
      warnings.push(`the registry could not verify the version now: ${(err as Error).message}`);
      return null;
    });
    for (const r of verification?.regions ?? []) {
      if (r.verification.status !== 'verified')
        warnings.push(`${r.region} ${r.ami_id}: ${r.verification.status}: ${r.verification.reason ?? ''}`);
    }
  }
  // The registry scans from its own account: an image it cannot see is not scanned.
  const registryAccount = info.verification.account_id;
  if (registryAccount && intended !== 'public') {
    warnings.push(
      `${entry.name} scans images for vulnerabilities from its AWS account ${registryAccount}: share each image with it (cws ami share AMI ${registryAccount}) or it is shown as not scanned`,
    );
  }
  return {
    registry: entry.name,
    listing: `${ref.owner}/${ref.name}`,
    version,
    action: existing ? 'version_added' : 'published',
    template: source.template,
    visibility,
    visibility_changed: visibilityChanged,
    account_id: proof.account_id,
    regions: regions.map(({ region, architecture, ami_id }) => ({ region, architecture, ami_id })),
    parent_ami: source.parent.parent_ami ?? null,
    parent_listing: source.parent.parent_listing ?? null,
    saved: source.saved,
    verification,
    verification_note: note,
    hygiene: gate.report,
    hygiene_status: gate.input?.status ?? null,
    template_file: sent?.file ?? null,
    warnings,
  };
}

/**
 * The YAML of the template the image was built from, when this machine has it: the registry keeps it with the
 * version and gives it to people who do not have it (cws template fetch OWNER/NAME).
 */
async function templateText(ctx: CliContext, name: string): Promise<{ yaml: string; file: string } | null> {
  if (!name) return null;
  try {
    const found = await findTemplate(name, ctx.paths.templatesDir);
    if (found.template.name !== name) return null;
    return { yaml: await readTemplateText(found.file), file: found.file };
  } catch (err) {
    if (err instanceof CwsError) return null;
    throw err;
  }
}
