import { Args, Flags } from '@oclif/core';
import { CwsCommand } from '../base-command.js';
import type { Ec2Step } from '../lib/publish/retire-ec2.js';
import type { PlannedStatus, StatusAction, StatusChangeResult } from '../lib/publish/status.js';

const STEP_WORDS: Record<Ec2Step, string> = {
  deprecate: 'deprecate them (EnableImageDeprecation: others no longer find them in searches)',
  unshare: 'remove their launch permissions (everyone and each account)',
  disable: 'disable them (DisableImage: nobody can launch them, you included, and their sharing is removed)',
};

/**
 * `cws ami deprecate` and `cws ami revoke`: one version of a listing, found on a registry with its images; the
 * change recorded there, then (on request) the same images retired in EC2 in the caller's own account, every region
 * of the version, reported per region. Revocation is final, so it asks first (refused without a terminal unless
 * --yes) and offers the EC2 steps that were not given as flags.
 */
export abstract class VersionStatusCommand extends CwsCommand<StatusChangeResult> {
  static override args = {
    ref: Args.string({ description: 'OWNER/NAME, or an image id (ami-...) of the listing', required: true }),
    version: Args.string({ description: 'the version, e.g. 1.0.0', required: true }),
  };
  static override flags = {
    registry: Flags.string({ description: 'which registry [default: CWS_REGISTRY, else the first by priority]' }),
  };

  protected abstract readonly action: StatusAction;
  /** Final changes ask first and offer the EC2 steps. */
  protected abstract readonly final: boolean;
  /** The EC2 steps this command can take. */
  protected abstract readonly offered: Ec2Step[];

  protected async change(
    args: { ref: string; version: string },
    flags: { reason?: string | undefined; registry?: string | undefined; yes?: boolean | undefined },
    asked: Ec2Step[],
  ): Promise<StatusChangeResult> {
    const { planStatus, applyStatus } = await import('../lib/publish/status.js');
    const { ec2Failures } = await import('../lib/publish/retire-ec2.js');
    const { CwsError } = await import('../lib/errors.js');
    const ctx = await this.context();
    const planned = await this.withSpinner(`Looking up ${args.ref}@${args.version}`, () =>
      planStatus(ctx, args.ref, args.version, this.action, flags.registry),
    );
    let steps = [...asked];
    if (this.final && !flags.yes) {
      const { confirm } = await import('../ui/confirm.js');
      const again = `cws ami ${this.action} ${args.ref} ${args.version}${flags.reason ? ` --reason "${flags.reason}"` : ''} --yes`;
      const interactive = !this.jsonEnabled() && process.stdin.isTTY && process.stdout.isTTY;
      if (!interactive) {
        throw new CwsError(
          `${this.action === 'revoke' ? 'revoking' : 'changing'} ${planned.plan.listing}@${args.version} is final and needs confirmation, and there is no terminal to ask on`,
          {
            code: 'confirmation_required',
            suggestions: [
              `${again}${steps.map((s) => ` --${s}`).join('')}`,
              `also in EC2: add --deprecate, --unshare or --disable`,
            ],
          },
        );
      }
      if (steps.length === 0) {
        for (const step of this.offered) {
          if (await confirm(`Also in EC2, in every region of the version: ${STEP_WORDS[step]}?`)) steps.push(step);
        }
      }
      this.log(this.describePlan(planned, flags.reason, steps));
      const ok = await confirm(
        `${this.action === 'revoke' ? 'Revoke' : 'Change'} ${planned.plan.listing}@${args.version}?`,
      );
      if (!ok) throw new CwsError('nothing changed', { code: 'cancelled' });
    }
    steps = this.offered.filter((s) => steps.includes(s));
    const spinner = this.spinner(`${this.action} ${planned.plan.listing}@${args.version}`);
    let result: StatusChangeResult;
    try {
      result = await applyStatus(ctx, planned, flags.reason, steps, (t) => spinner.update(t));
    } finally {
      spinner.stop();
    }
    this.log(
      `${result.listing}@${result.version} is ${result.status} on ${result.registry}${result.registry_change === 'unchanged' ? ' (already)' : ''}${result.status_reason ? `: ${result.status_reason}` : ''}`,
    );
    for (const r of result.ec2) {
      this.log(
        `  ${r.region} ${r.ami_id}: ${r.steps.map((s) => `${s.step} ${s.ok ? 'done' : 'FAILED'} (${s.detail})`).join('; ')}`,
      );
    }
    if (steps.length === 0 && this.action === 'revoke') {
      this.note(
        'EC2 is unchanged: the images still launch for anyone they are shared with who does not ask a registry. Retire them with --deprecate, --unshare or --disable.',
      );
    }
    const failed = ec2Failures(result.ec2);
    if (failed.length > 0) {
      throw new CwsError(
        `${result.listing}@${result.version} is ${result.status} on ${result.registry}, but in EC2: ${failed.join('; ')}`,
        {
          code: 'ec2_partial',
          suggestions: [
            'run the same command again with the same EC2 flags once fixed (the registry change is kept)',
            "images in another account: run it with that account's credentials (AWS_PROFILE)",
          ],
          data: { result },
        },
      );
    }
    return result;
  }

  private describePlan(planned: PlannedStatus, reason: string | undefined, steps: Ec2Step[]): string {
    const p = planned.plan;
    const images = p.images.map((i) => `${i.ami_id} (${i.region})`).join(', ') || '(none)';
    const lines = [
      p.current_status === 'revoked'
        ? `${p.listing}@${p.version} is revoked on ${p.registry} already; only EC2 changes.`
        : `${p.action === 'revoke' ? 'Revoke' : 'Deprecate'} ${p.listing}@${p.version} on ${p.registry}.${p.action === 'revoke' ? ' This is final: it never resolves again, and every cws that asks the registry refuses its images.' : ''}`,
      ...(reason ? [`Reason: ${reason}`] : []),
      `Images: ${images}`,
      steps.length > 0
        ? `In EC2, in your own account: ${steps.map((s) => STEP_WORDS[s]).join('; ')}.`
        : 'In EC2: nothing (the images stay launchable by id for whoever they are shared with).',
    ];
    return lines.join('\n');
  }
}
