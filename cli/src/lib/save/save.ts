import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import type { AwsGateway, ImageDetail } from '../aws/gateway.js';
import { pollUntil } from '../aws/poll.js';
import type { CliContext } from '../context.js';
import { CwsError, wrappedCode } from '../errors.js';
import { type Progress, waitForState } from '../instances/launch.js';
import { findNamed } from '../instances/manage.js';
import { LocalState, type SaveRecord } from '../state.js';
import { writeSavedTemplate } from './template.js';

export interface SaveOptions {
  instance: string;
  templateName: string;
  description?: string | undefined;
  copyToRegions: string[];
  noReboot: boolean;
  wait: boolean;
  region?: string | undefined;
}

export interface SaveResult {
  save_id: string;
  status: SaveRecord['status'];
  instance: string;
  instance_id: string;
  /** Where the instance stands now. */
  instance_state: string;
  region: string;
  image_id: string | null;
  image_name: string;
  /** region -> image id, for every region that has one. */
  images: Record<string, string>;
  /** region -> why the copy failed. */
  copy_errors: Record<string, string>;
  template_name: string;
  template_file: string | null;
  warnings: string[];
}

/** Messages for the person at the terminal (the command prints them; lib never prints). */
export type Tell = (message: string) => void;

const IMAGE_WAIT_MS = 90 * 60_000;
const UNFINISHED: SaveRecord['status'][] = ['started', 'stopping', 'creating', 'waiting', 'copying'];

function stamp(d = new Date()): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, '')
    .replace('T', '-');
}

/** Who made an image: the handle of a logged-in registry, else the local user name. */
export async function creatorName(ctx: CliContext): Promise<string> {
  const config = await ctx.config();
  const handle = config.registries.find((r) => r.token && r.handle)?.handle;
  if (handle) return handle;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

const LISTING_REF = /^[a-z0-9][a-z0-9._-]{0,38}\/[a-z0-9][a-z0-9._-]{0,99}@[A-Za-z0-9._+-]{1,64}$/;

/**
 * Where the instance's image came from, from the launch record: the AMI, and the registry listing@version when
 * `cws launch` took it from a registry (its ami_source is `registry:NAME:OWNER/LISTING@VERSION`). The registry links
 * versions by the AMI; the listing is what the saver knew.
 */
export function provenance(
  amiId: string,
  amiSource: string,
): { parent_ami: string | null; parent_listing: string | null } {
  const listing = /^registry:[^:]+:(.+)$/.exec(amiSource)?.[1];
  return {
    parent_ami: /^ami-[0-9a-f]{8,17}$/.test(amiId) ? amiId : null,
    parent_listing: listing && LISTING_REF.test(listing) ? listing : null,
  };
}

/** The image tags that carry the provenance, so a publish by image id finds it too. */
export function parentTags(r: Pick<SaveRecord, 'parent_ami' | 'parent_listing'>): Record<string, string> {
  return {
    ...(r.parent_ami ? { 'cws:parent-ami': r.parent_ami } : {}),
    ...(r.parent_listing ? { 'cws:parent-listing': r.parent_listing } : {}),
  };
}

/**
 * The seed's flow: check the instance, say it will stop, stop it, CreateImage (tagged with its source), wait for
 * `available`, start the instance again, copy to other regions, write a user template with the new image ids.
 * The save is recorded before CreateImage is called and the image carries `cws:save-id`, so an interrupted save can
 * always be found again (resume or cleanup). Whatever fails after the stop, the instance is started again.
 */
export async function save(ctx: CliContext, opts: SaveOptions, progress: Progress, tell: Tell): Promise<SaveResult> {
  const { record: inst, ec2 } = await findNamed(ctx, opts.instance, opts.region);
  const state = new LocalState(ctx.paths.stateDir);
  const templateName = opts.templateName;
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(templateName)) {
    throw new CwsError(`"${templateName}" is not a template name: lowercase letters, digits and . _ -`, {
      code: 'usage',
    });
  }
  const copyTo = [...new Set(opts.copyToRegions)].filter((r) => r !== inst.region);
  const info = await ec2.describeInstance(inst.region, inst.instance_id);
  if (!info || !['running', 'stopped'].includes(info.state)) {
    throw new CwsError(
      `${opts.instance} is ${info?.state ?? 'gone'}; only a running or stopped instance can be saved`,
      {
        code: 'instance_state',
        suggestions: info?.state === 'stopping' ? ['wait until it has stopped, then save again'] : [],
      },
    );
  }
  const wasRunning = info.state === 'running';
  const who = await creatorName(ctx);
  const parent = provenance(info.image_id || inst.ami_id, inst.ami_source);
  const now = new Date();
  const record: SaveRecord = {
    id: `save-${stamp(now).toLowerCase()}-${randomBytes(3).toString('hex')}`,
    instance: opts.instance,
    instance_id: inst.instance_id,
    region: inst.region,
    template_name: templateName,
    source_template: inst.template,
    architecture: info.architecture || inst.architecture,
    description: opts.description ?? `Saved from ${opts.instance} (${inst.template}) by ${who}`,
    creator: who,
    image_name: `cws-${inst.template}-${templateName}-${stamp(now)}`.slice(0, 128),
    parent_ami: parent.parent_ami,
    parent_listing: parent.parent_listing,
    copy_to_regions: copyTo,
    no_reboot: opts.noReboot,
    was_running: wasRunning,
    status: 'started',
    images: {},
    copy_errors: {},
    error: null,
    template_file: null,
    started_at: now.toISOString(),
    updated_at: now.toISOString(),
  };
  await state.putSave(record);
  const tags = {
    Name: record.image_name,
    'cws:save-id': record.id,
    'cws:source-instance': `${opts.instance} (${inst.instance_id})`,
    'cws:source-template': inst.template,
    'cws:template': templateName,
    'cws:creator': who,
    ...parentTags(record),
  };

  const stopping = wasRunning && !opts.noReboot;
  if (stopping) {
    tell(
      `${opts.instance} (${inst.instance_id}) will stop while its disk is imaged and start again afterwards; this usually takes a few minutes.`,
    );
  }
  try {
    if (stopping) {
      await state.patchSave(record.id, { status: 'stopping' });
      progress(`Stopping ${opts.instance}`);
      await ec2.changeState(inst.region, inst.instance_id, 'stop');
      await waitForState(ec2, inst.region, inst.instance_id, 'stopped', progress);
    }
    await state.patchSave(record.id, { status: 'creating' });
    progress(`Creating image ${record.image_name}`);
    const imageId = await ec2.createImage(
      inst.region,
      inst.instance_id,
      record.image_name,
      record.description,
      tags,
      opts.noReboot,
    );
    await state.patchSave(record.id, { status: 'waiting', images: { [inst.region]: imageId } });
    if (!opts.wait) {
      const restarted = stopping ? await restart(ec2, record, progress) : info.state;
      tell(`Image ${imageId} is being made; finish the save (copies, template) with: cws save --resume ${record.id}`);
      return view(record.id, state, restarted, [], imageId);
    }
    await waitForImage(ec2, inst.region, imageId, progress);
  } catch (err) {
    throw await afterFailure(ctx, ec2, state, record, stopping, err);
  }
  return finish(ctx, ec2, state, record.id, progress, tell, stopping);
}

async function waitForImage(
  ec2: AwsGateway,
  region: string,
  imageId: string,
  progress: Progress,
): Promise<ImageDetail> {
  const img = await pollUntil(
    () => ec2.describeImage(region, imageId),
    (i) => !i || i.state !== 'pending',
    {
      timeoutMs: IMAGE_WAIT_MS,
      what: `${imageId} to be available`,
      onTick: (i, ms) => progress(`${imageId} in ${region} is ${i?.state ?? 'missing'} (${Math.round(ms / 1000)} s)`),
    },
  );
  if (!img || img.state !== 'available') {
    throw new CwsError(
      `${imageId} in ${region} is ${img?.state ?? 'gone'}${img?.state_reason ? `: ${img.state_reason}` : ''}`,
      { code: 'image_failed' },
    );
  }
  return img;
}

async function restart(ec2: AwsGateway, record: SaveRecord, progress: Progress): Promise<string> {
  progress(`Starting ${record.instance} again`);
  await ec2.changeState(record.region, record.instance_id, 'start');
  const running = await waitForState(ec2, record.region, record.instance_id, 'running', progress);
  return running.state;
}

/** Starts the instance again (when this save stopped it) and says where things stand. */
async function afterFailure(
  _ctx: CliContext,
  ec2: AwsGateway,
  state: LocalState,
  record: SaveRecord,
  stopped: boolean,
  err: unknown,
): Promise<CwsError> {
  const cause = err instanceof Error ? err.message : String(err);
  let instanceState = 'unknown';
  let restartError: string | null = null;
  if (stopped) {
    try {
      instanceState = await restart(ec2, record, () => {});
    } catch (e) {
      restartError = (e as Error).message;
    }
  } else {
    instanceState =
      (await ec2.describeInstance(record.region, record.instance_id).catch(() => null))?.state ?? 'unknown';
  }
  const saved = await state.patchSave(record.id, { status: 'failed', error: cause });
  const image = saved?.images[record.region];
  const where = restartError
    ? `${record.instance} (${record.instance_id}) could not be started again (${restartError}); start it with: cws start ${record.instance}`
    : `${record.instance} (${record.instance_id}) is ${instanceState}${stopped ? ' again' : ''}`;
  const suggestions = [
    image
      ? `image ${image} was made but not finished; remove it with: cws save --cleanup ${record.id}, or retry: cws save --resume ${record.id}`
      : 'no image was made; fix the cause and save again',
  ];
  if (restartError) suggestions.unshift(`cws start ${record.instance}`);
  return new CwsError(`the save failed: ${cause}. ${where}.`, {
    code: wrappedCode(err, 'save_failed'),
    suggestions,
    data: {
      save_id: record.id,
      instance: record.instance,
      instance_id: record.instance_id,
      instance_state: restartError ? 'stopped' : instanceState,
      images: saved?.images ?? {},
    },
    cause: err,
  });
}

/**
 * After the source image is available: start the instance again, copy to the other regions (a failed copy keeps
 * the images made so far and is reported), write the user template. Shared by save and --resume.
 */
async function finish(
  ctx: CliContext,
  ec2: AwsGateway,
  state: LocalState,
  saveId: string,
  progress: Progress,
  tell: Tell,
  restartNeeded: boolean,
): Promise<SaveResult> {
  const record = (await state.read()).saves.find((s) => s.id === saveId) as SaveRecord;
  const warnings: string[] = [];
  let instanceState = 'unknown';
  if (restartNeeded) {
    try {
      instanceState = await restart(ec2, record, progress);
    } catch (err) {
      warnings.push(
        `${record.instance} could not be started again: ${(err as Error).message}; run: cws start ${record.instance}`,
      );
      instanceState = 'stopped';
    }
  } else {
    instanceState = (await ec2.describeInstance(record.region, record.instance_id))?.state ?? 'unknown';
  }
  const source = record.images[record.region] as string;
  const images = { ...record.images };
  const copyErrors: Record<string, string> = {};
  await state.patchSave(saveId, { status: 'copying', copy_errors: {} });
  for (const target of record.copy_to_regions) {
    if (images[target]) continue;
    try {
      progress(`Copying ${source} to ${target}`);
      // An earlier, interrupted copy of this save is reused rather than made twice.
      const earlier = (await ec2.findOwnImagesByTag(target, 'cws:save-id', saveId))[0];
      const copyId =
        earlier?.image_id ??
        (await ec2.copyImage(target, record.region, source, record.image_name, record.description, {
          Name: record.image_name,
          'cws:save-id': saveId,
          'cws:source-template': record.source_template,
          'cws:template': record.template_name,
          ...parentTags(record),
        }));
      images[target] = copyId;
      await state.patchSave(saveId, { images: { ...images } });
      await waitForImage(ec2, target, copyId, progress);
    } catch (err) {
      const reason = (err as Error).message;
      copyErrors[target] = reason;
      if (images[target] === undefined) delete images[target];
      warnings.push(`the copy to ${target} failed (${reason}); ${source} in ${record.region} is kept`);
    }
  }
  // The template maps only images that are available.
  const mapped = Object.fromEntries(Object.entries(images).filter(([r]) => !copyErrors[r]));
  const templateFile = await writeSavedTemplate(ctx, record, mapped);
  const status = Object.keys(copyErrors).length > 0 ? 'partial' : 'complete';
  await state.patchSave(saveId, { status, images, copy_errors: copyErrors, template_file: templateFile, error: null });
  tell(
    `Saved ${record.instance} as template ${record.template_name}: launch it with: cws launch ${record.template_name} NAME`,
  );
  return view(saveId, state, instanceState, warnings, source);
}

async function view(
  saveId: string,
  state: LocalState,
  instanceState: string,
  warnings: string[],
  imageId: string | null,
): Promise<SaveResult> {
  const r = (await state.read()).saves.find((s) => s.id === saveId) as SaveRecord;
  return {
    save_id: r.id,
    status: r.status,
    instance: r.instance,
    instance_id: r.instance_id,
    instance_state: instanceState,
    region: r.region,
    image_id: imageId,
    image_name: r.image_name,
    images: r.images,
    copy_errors: r.copy_errors,
    template_name: r.template_name,
    template_file: r.template_file,
    warnings,
  };
}

async function pickSave(
  state: LocalState,
  id: string | undefined,
  statuses: SaveRecord['status'][],
): Promise<SaveRecord> {
  const saves = (await state.read()).saves;
  const hit = id
    ? saves.find((s) => s.id === id || s.instance === id)
    : saves.filter((s) => statuses.includes(s.status)).at(-1);
  if (!hit) {
    throw new CwsError(id ? `no save ${id} is recorded` : 'no unfinished save is recorded', {
      code: 'save_not_found',
      suggestions: ['saves are recorded in the state folder (CWS_STATE_DIR); see the ids with: cws save --list'],
    });
  }
  return hit;
}

/** Picks up an interrupted save: finds its image (by record or by its cws:save-id tag) and finishes it. */
export async function resumeSave(
  ctx: CliContext,
  id: string | undefined,
  progress: Progress,
  tell: Tell,
): Promise<SaveResult> {
  const state = new LocalState(ctx.paths.stateDir);
  const ec2 = await ctx.aws();
  const record = await pickSave(state, id, [...UNFINISHED, 'failed', 'partial']);
  if (record.status === 'complete' || record.status === 'cleaned') {
    throw new CwsError(`save ${record.id} is ${record.status} already`, { code: 'save_done' });
  }
  let imageId = record.images[record.region];
  if (!imageId) {
    imageId = (await ec2.findOwnImagesByTag(record.region, 'cws:save-id', record.id))[0]?.image_id;
    if (imageId) await state.patchSave(record.id, { images: { ...record.images, [record.region]: imageId } });
  }
  const info = await ec2.describeInstance(record.region, record.instance_id);
  const restartNeeded = record.was_running && info?.state === 'stopped';
  if (!imageId) {
    let now = info?.state ?? 'gone';
    if (restartNeeded) now = await restart(ec2, record, progress);
    await state.patchSave(record.id, { status: 'failed', error: 'no image was made' });
    throw new CwsError(`save ${record.id} made no image; ${record.instance} is ${now}`, {
      code: 'save_failed',
      suggestions: [`save again: cws save ${record.instance} ${record.template_name}`],
    });
  }
  try {
    await waitForImage(ec2, record.region, imageId, progress);
  } catch (err) {
    throw await afterFailure(ctx, ec2, state, record, restartNeeded, err);
  }
  return finish(ctx, ec2, state, record.id, progress, tell, restartNeeded);
}

export interface CleanupResult {
  save_id: string;
  deregistered: { region: string; image_id: string }[];
  instance: string;
  instance_state: string;
  status: 'cleaned';
}

/** Removes what an unfinished or failed save left behind (its images, found by record or tag) and restarts the instance. */
export async function cleanupSave(ctx: CliContext, id: string | undefined, progress: Progress): Promise<CleanupResult> {
  const state = new LocalState(ctx.paths.stateDir);
  const ec2 = await ctx.aws();
  const record = await pickSave(state, id, [...UNFINISHED, 'failed']);
  if (record.status === 'complete' || record.status === 'partial') {
    throw new CwsError(
      `save ${record.id} finished (${record.status}); its images are in use by template ${record.template_name}`,
      {
        code: 'save_done',
        suggestions: ['deregister images you no longer need in the EC2 console'],
      },
    );
  }
  const found = new Map<string, { region: string; image_id: string }>();
  for (const [region, imageId] of Object.entries(record.images)) found.set(imageId, { region, image_id: imageId });
  for (const region of [record.region, ...record.copy_to_regions]) {
    for (const img of await ec2.findOwnImagesByTag(region, 'cws:save-id', record.id)) {
      found.set(img.image_id, { region, image_id: img.image_id });
    }
  }
  for (const img of found.values()) {
    progress(`Deregistering ${img.image_id} in ${img.region}`);
    await ec2.deregisterImage(img.region, img.image_id);
  }
  const info = await ec2.describeInstance(record.region, record.instance_id);
  let instanceState = info?.state ?? 'gone';
  if (record.was_running && instanceState === 'stopped') instanceState = await restart(ec2, record, progress);
  await state.patchSave(record.id, { status: 'cleaned' });
  return {
    save_id: record.id,
    deregistered: [...found.values()],
    instance: record.instance,
    instance_state: instanceState,
    status: 'cleaned',
  };
}

export async function listSaves(ctx: CliContext): Promise<SaveRecord[]> {
  return (await new LocalState(ctx.paths.stateDir).read()).saves;
}
