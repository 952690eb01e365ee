import { mkdir, open, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as z from 'zod';
import { CwsError } from './errors.js';
import { readIfExists, writeFileAtomic } from './files.js';

/**
 * What cws launched and saved, on this machine: `state.json` in the state folder. EC2 stays the truth about an
 * instance's state; this file remembers names, regions and where an image came from, and every save from the moment
 * it starts, so an interrupted save can be resumed or cleaned up (no image without a record).
 */
export const instanceRecord = z.looseObject({
  name: z.string(),
  instance_id: z.string(),
  region: z.string(),
  template: z.string(),
  architecture: z.string(),
  instance_type: z.string(),
  ami_id: z.string(),
  /** resolution method and source, e.g. `registry:community:alice/torch-lab@1.2.0`. */
  ami_source: z.string(),
  launched_at: z.string(),
  /** Last state cws saw; EC2 is asked again whenever it matters. */
  state: z.string().optional(),
  terminated_at: z.string().optional(),
});
export type InstanceRecord = z.infer<typeof instanceRecord>;

export const SAVE_STATUSES = [
  'started',
  'stopping',
  'creating',
  'waiting',
  'copying',
  'complete',
  'partial',
  'failed',
  'cleaned',
] as const;
export type SaveStatus = (typeof SAVE_STATUSES)[number];

export const saveRecord = z.looseObject({
  id: z.string(),
  instance: z.string(),
  instance_id: z.string(),
  region: z.string(),
  template_name: z.string(),
  source_template: z.string(),
  architecture: z.string(),
  description: z.string(),
  creator: z.string().optional(),
  image_name: z.string(),
  /** The image the instance was launched from (EC2's answer), and the listing it came from, when a registry gave it. */
  parent_ami: z.string().nullable().optional(),
  parent_listing: z.string().nullable().optional(),
  copy_to_regions: z.array(z.string()),
  no_reboot: z.boolean(),
  /** Whether the instance was running when the save began (then it is started again whatever happens). */
  was_running: z.boolean(),
  status: z.enum(SAVE_STATUSES),
  /** region -> image id, the source region first. */
  images: z.record(z.string(), z.string()),
  /** region -> why the copy failed. */
  copy_errors: z.record(z.string(), z.string()),
  error: z.string().nullable(),
  template_file: z.string().nullable(),
  started_at: z.string(),
  updated_at: z.string(),
});
export type SaveRecord = z.infer<typeof saveRecord>;

export const BUILD_STATUSES = [
  'started',
  'launching',
  'setup',
  'testing',
  'cleaning',
  'stopping',
  'creating',
  'waiting',
  'copying',
  'complete',
  'partial',
  'failed',
  'cleaned',
] as const;
export type BuildStatus = (typeof BUILD_STATUSES)[number];

/** A `cws ami build`, recorded before the builder is launched so an interrupted build can be resumed or cleaned up. */
export const buildRecord = z.looseObject({
  id: z.string(),
  template: z.string(),
  template_file: z.string(),
  region: z.string(),
  architecture: z.string(),
  base_ami: z.string(),
  instance_type: z.string(),
  instance_profile: z.string(),
  instance_id: z.string().nullable(),
  keep_builder: z.boolean(),
  image_name: z.string(),
  description: z.string(),
  creator: z.string(),
  copy_to_regions: z.array(z.string()),
  status: z.enum(BUILD_STATUSES),
  images: z.record(z.string(), z.string()),
  copy_errors: z.record(z.string(), z.string()),
  tests: z.array(z.looseObject({ name: z.string(), passed: z.boolean() })).default([]),
  hygiene_findings: z.array(z.object({ check: z.string(), file: z.string(), fix: z.string() })).default([]),
  log_file: z.string(),
  written_template: z.string().nullable(),
  error: z.string().nullable(),
  /** The step a failed build had reached. */
  last_step: z.enum(BUILD_STATUSES).optional(),
  started_at: z.string(),
  updated_at: z.string(),
});
export type BuildRecord = z.infer<typeof buildRecord>;

const stateSchema = z.looseObject({
  instances: z.array(instanceRecord).default([]),
  saves: z.array(saveRecord).default([]),
  builds: z.array(buildRecord).default([]),
});
export type LocalStateData = z.infer<typeof stateSchema>;

export class LocalState {
  readonly file: string;
  private readonly lockFile: string;

  constructor(stateDir: string) {
    this.file = join(stateDir, 'state.json');
    this.lockFile = join(stateDir, 'state.lock');
  }

  async read(): Promise<LocalStateData> {
    const text = await readIfExists(this.file);
    if (!text?.trim()) return stateSchema.parse({});
    let problem: string;
    try {
      const parsed = stateSchema.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
      const issue = parsed.error.issues[0];
      problem = `${issue?.path.join('.')}: ${issue?.message}`;
    } catch (err) {
      problem = (err as Error).message;
    }
    throw new CwsError(`the state file ${this.file} is damaged: ${problem}`, {
      code: 'state_invalid',
      suggestions: [`move ${this.file} aside; cws list then shows nothing until the next launch`],
    });
  }

  /** Read, change and write under a lock file, so two cws processes never lose each other's records. */
  async update<R>(change: (data: LocalStateData) => R): Promise<R> {
    const release = await this.lock();
    try {
      const data = await this.read();
      const result = change(data);
      await writeFileAtomic(this.file, `${JSON.stringify(data, null, 2)}\n`, 0o600);
      return result;
    } finally {
      await release();
    }
  }

  private async lock(): Promise<() => Promise<void>> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    for (let attempt = 0; ; attempt++) {
      try {
        const handle = await open(this.lockFile, 'wx', 0o600);
        await handle.close();
        return () => rm(this.lockFile, { force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        // A lock older than a few seconds belongs to a process that died: take it over.
        if (attempt > 100) {
          await rm(this.lockFile, { force: true });
          continue;
        }
        await new Promise((r) => setTimeout(r, 30));
      }
    }
  }

  async findInstance(name: string): Promise<InstanceRecord | undefined> {
    const data = await this.read();
    return data.instances.find((i) => i.name === name && !i.terminated_at);
  }

  async putInstance(record: InstanceRecord): Promise<void> {
    await this.update((d) => {
      d.instances = d.instances.filter((i) => !(i.name === record.name && !i.terminated_at));
      d.instances.push(record);
    });
  }

  async patchInstance(name: string, patch: Partial<InstanceRecord>): Promise<void> {
    await this.update((d) => {
      const rec = d.instances.find((i) => i.name === name && !i.terminated_at);
      if (rec) Object.assign(rec, patch);
    });
  }

  async putSave(record: SaveRecord): Promise<void> {
    await this.update((d) => {
      d.saves = d.saves.filter((s) => s.id !== record.id);
      d.saves.push(record);
    });
  }

  async putBuild(record: BuildRecord): Promise<void> {
    await this.update((d) => {
      d.builds = d.builds.filter((b) => b.id !== record.id);
      d.builds.push(record);
    });
  }

  async patchBuild(id: string, patch: Partial<BuildRecord>): Promise<BuildRecord> {
    return this.update((d) => {
      const rec = d.builds.find((b) => b.id === id);
      if (!rec) throw new CwsError(`no build ${id} is recorded`, { code: 'build_not_found' });
      Object.assign(rec, patch, { updated_at: new Date().toISOString() });
      return { ...rec };
    });
  }

  async patchSave(id: string, patch: Partial<SaveRecord>): Promise<SaveRecord | undefined> {
    return this.update((d) => {
      const rec = d.saves.find((s) => s.id === id);
      if (rec) Object.assign(rec, patch, { updated_at: new Date().toISOString() });
      return rec ? { ...rec } : undefined;
    });
  }
}
