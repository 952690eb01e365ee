/**
 * Disks: every image and every instance has a folder of its own that stands for its root volume. An instance's
 * folder is copied from its image's at launch, an image made from an instance (CreateImage) copies the instance's
 * folder, and CopyImage copies the source image's, so what a build script writes is in the image it becomes.
 * Images nobody gave files to start from a small Ubuntu-like skeleton. Folders live under one temporary folder per
 * emulator, removed by close().
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';

/** What a fresh Ubuntu server image holds that the hygiene checks care about: a clean default user, no keys. */
const SKELETON: Record<string, string> = {
  'etc/ssh/sshd_config': 'Include /etc/ssh/sshd_config.d/*.conf\nKbdInteractiveAuthentication no\nUsePAM yes\n',
  'etc/ssh/sshd_config.d/60-cloudimg-settings.conf': 'PasswordAuthentication no\n',
  'etc/os-release': 'NAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\n',
  'etc/passwd': 'root:x:0:0:root:/root:/bin/bash\nubuntu:x:1000:1000:Ubuntu:/home/ubuntu:/bin/bash\n',
  'home/ubuntu/.bashrc': '# ~/.bashrc\n',
  'root/.bashrc': '# ~/.bashrc\n',
  'var/log/.keep': '',
  'tmp/.keep': '',
};

export class Disk {
  private base: string | undefined;
  /** Instances whose folder is not made yet -> their image: the copy is made on first use, keeping RunInstances quick. */
  private readonly pending = new Map<string, string>();

  private root(): string {
    this.base ??= mkdtempSync(join(tmpdir(), 'cws-emulator-disks-'));
    return this.base;
  }

  imagePath(imageId: string): string {
    return join(this.root(), 'images', imageId);
  }

  instancePath(instanceId: string): string {
    return join(this.root(), 'instances', instanceId);
  }

  /** The image's folder, made from the skeleton (plus `files`) when it has none yet. */
  ensureImage(imageId: string, files: Record<string, string> = {}): string {
    const dir = this.imagePath(imageId);
    if (!existsSync(dir)) {
      mkdirSync(dir, { recursive: true });
      writeFiles(dir, { ...SKELETON, ...files });
    } else if (Object.keys(files).length > 0) writeFiles(dir, files);
    return dir;
  }

  /** Launch: the instance's disk starts as a copy of its image's (made when first used; images never change). */
  launch(imageId: string, instanceId: string): void {
    this.pending.set(instanceId, imageId);
  }

  /** The instance's folder, copied from its image's on first use. */
  ensureInstance(instanceId: string): string {
    const to = this.instancePath(instanceId);
    const from = this.pending.get(instanceId);
    if (from !== undefined) {
      this.pending.delete(instanceId);
      copyTree(this.ensureImage(from), to);
    } else if (!existsSync(to)) mkdirSync(to, { recursive: true });
    return to;
  }

  /** CreateImage: the new image holds what the instance's disk holds now. */
  imageFromInstance(instanceId: string, imageId: string): void {
    copyTree(this.ensureInstance(instanceId), this.imagePath(imageId));
  }

  /** CopyImage: the copy holds the source image's files. */
  copyImage(sourceImageId: string, imageId: string): void {
    copyTree(this.ensureImage(sourceImageId), this.imagePath(imageId));
  }

  clear(): void {
    this.pending.clear();
    if (this.base) rmSync(this.base, { recursive: true, force: true });
    this.base = undefined;
  }
}

function copyTree(from: string, to: string): void {
  rmSync(to, { recursive: true, force: true });
  mkdirSync(dirname(to), { recursive: true });
  // Timestamps are kept, as a snapshot keeps them: a file baked into an image is older than the instance using it.
  cpSync(from, to, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
}

function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const clean = normalize(rel)
      .replace(/^(\.\.(\/|$))+/, '')
      .replace(/^\/+/, '');
    const file = join(dir, clean);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content, {
      mode: /(^|\/)(id_[a-z0-9]+|ssh_host_[a-z0-9]+_key|credentials)$/.test(clean) ? 0o600 : 0o644,
    });
  }
}
