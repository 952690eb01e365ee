import type { CliContext } from '../lib/context.js';
import { CwsError } from '../lib/errors.js';
import {
  describeTemplate,
  type RemoteTemplate,
  refuseOverwrite,
  type SavedTemplate,
  saveTemplate,
  templateTarget,
} from '../lib/templates/fetch.js';
import { confirm } from './confirm.js';

export interface OfferOptions {
  /** Save without asking (--yes). */
  yes: boolean;
  /** Replace a different template of the same name in the user's folder (--force). */
  force: boolean;
  /** --json: nobody reads a question; --yes is needed. */
  json: boolean;
  log: (line: string) => void;
}

/**
 * Shows what a registry's template runs (packages, the setup script) and asks before saving it into the user's
 * templates folder. Without a terminal to ask on, only --yes saves: a script never takes in a setup script unread.
 */
export async function offerTemplate(ctx: CliContext, t: RemoteTemplate, opts: OfferOptions): Promise<SavedTemplate> {
  const target = await templateTarget(ctx, t);
  if (target.existing === 'same') return saveTemplate(ctx, t, { force: false });
  refuseOverwrite(target, t, opts.force);
  for (const line of describeTemplate(t)) opts.log(line);
  if (!opts.yes) {
    const question = `Save it as ${target.file}${target.existing === 'different' ? ', replacing yours' : ''}?`;
    const ok = opts.json ? undefined : await confirm(question);
    if (ok === undefined) {
      throw new CwsError(`template ${t.name} not saved: there is no terminal to ask on`, {
        code: 'confirmation_required',
        suggestions: [
          opts.json
            ? `what it runs is in the JSON of: cws template fetch ${t.listing} --registry ${t.registry} --dry-run --json`
            : 'what it runs is listed above; once you have read it, add --yes to save it without asking',
        ],
      });
    }
    if (!ok) throw new CwsError(`template ${t.name} not saved`, { code: 'cancelled' });
  }
  return saveTemplate(ctx, t, { force: opts.force });
}
