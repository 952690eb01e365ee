import { checkTemplate, formatTemplateIssues, type ListingTemplate } from '@cws/shared';
import type { Principal } from '../auth/tokens.js';
import type { Database } from '../db/database.js';
import { findListing, findVersion } from '../db/queries/listings.js';
import { findVersionTemplate } from '../db/queries/templates.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { type AccessService, canSee } from './access.js';

/**
 * Checks a template sent with a version, with the schema the CLI uses, and that it is the listing's template:
 * `cws template fetch OWNER/NAME` saves it under its name, and `cws launch` then finds the listing's images by it.
 */
export function checkPublishedTemplate(yaml: string, listingTemplate: string | undefined, path: string): void {
  const checked = checkTemplate(yaml, 'template');
  if (!checked.ok) {
    const lines = formatTemplateIssues(checked.issues);
    throw new ValidationError(
      `the template is not valid: ${lines.slice(0, 5).join('; ')}${lines.length > 5 ? ` (and ${lines.length - 5} more)` : ''}`,
      checked.issues.map((i) => ({
        path,
        message: `${i.line}:${i.column}: ${i.field ? `${i.field}: ` : ''}${i.message}`,
      })),
    );
  }
  if (listingTemplate !== undefined && checked.template.name !== listingTemplate) {
    throw new ValidationError(
      `the template is named ${checked.template.name}, but the listing's template is ${listingTemplate}`,
      [{ path, message: `name must be ${listingTemplate}` }],
    );
  }
}

export class TemplateService {
  constructor(
    private readonly database: Database,
    private readonly access: AccessService,
  ) {}

  async get(owner: string, name: string, viewer: Principal | null, version?: string): Promise<ListingTemplate> {
    const db = this.database.db;
    const listing = await findListing(db, owner, name);
    if (!listing || !canSee(await this.access.scope(viewer), listing)) {
      throw new NotFoundError(`no listing ${owner}/${name}`);
    }
    const row = await findVersionTemplate(db, listing.id, version);
    if (!row?.template_yaml) {
      if (version !== undefined && !(await findVersion(db, listing.id, version))) {
        throw new NotFoundError(`${owner}/${name} has no version ${version}`);
      }
      throw new NotFoundError(
        version !== undefined
          ? `${owner}/${name}@${version} was published without its template`
          : `${owner}/${name} has no version that carries its template (${listing.template})`,
      );
    }
    return {
      listing: `${owner}/${name}`,
      version: row.version,
      version_status: row.status,
      name: listing.template,
      yaml: row.template_yaml,
    };
  }
}
