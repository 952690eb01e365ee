import { type ImportResult, type RegistryIndex, registryIndex } from '@cws/shared';
import { parse as parseYaml } from 'yaml';
import type { Cache } from '../cache/cache.js';
import type { Database } from '../db/database.js';
import { audit } from '../db/queries/audit.js';
import * as q from '../db/queries/listings.js';
import { ensureUser } from '../db/queries/users.js';
import { ValidationError } from '../errors.js';
import { assertNesting, yamlNesting } from './input-limits.js';
import { createVersion } from './listings.js';
import { searchDoc, wordsOf } from './present.js';

/** Parses a registry index from YAML or JSON text (JSON is YAML) and validates it. */
export function parseIndex(text: string, source = 'index'): RegistryIndex {
  let raw: unknown;
  // Bounded before parsing: the parser and zod recurse, and a deep enough text overflows the stack.
  if (text.length > 64 * 1024 * 1024) throw new ValidationError(`${source} is larger than 64 MB`);
  assertNesting(yamlNesting(text), source);
  try {
    raw = parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new ValidationError(`${source} is not valid YAML or JSON: ${(err as Error).message}`);
  }
  return validateIndex(raw, source);
}

export function validateIndex(raw: unknown, source = 'index'): RegistryIndex {
  const parsed = registryIndex.safeParse(raw);
  if (!parsed.success) {
    const details = parsed.error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new ValidationError(
      `${source} is not a registry index: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
      details,
    );
  }
  return parsed.data;
}

/**
 * Imports an index idempotently: users, listings and versions are created when missing;
 * regions missing from an existing version are added; a region that a version already maps
 * to another AMI is left alone and reported (published versions do not change silently).
 * All or nothing: one transaction.
 */
export class ImportService {
  constructor(
    private readonly database: Database,
    private readonly cache: Cache,
  ) {}

  async import(index: RegistryIndex, actorId: number | null): Promise<ImportResult> {
    const result: ImportResult = {
      users_created: 0,
      listings_created: 0,
      versions_created: 0,
      regions_added: 0,
      unchanged: 0,
      conflicts: [],
    };
    await this.database.transaction(async (trx) => {
      for (const [template, listings] of Object.entries(index)) {
        for (const [name, entry] of Object.entries(listings)) {
          const { user, created } = await ensureUser(trx, entry.creator);
          if (created) result.users_created += 1;
          let listing = await q.findListing(trx, entry.creator, name);
          if (!listing) {
            const doc = searchDoc([
              entry.creator,
              name,
              template,
              entry.category,
              entry.description,
              ...(entry.tags ?? []),
            ]);
            await q.insertListing(trx, {
              owner_id: user.id,
              created_by: user.id,
              name,
              template,
              category: entry.category ?? null,
              description: entry.description,
              visibility: 'public',
              tags: entry.tags ?? [],
              search_doc: doc,
            });
            await q.addSearchWords(trx, wordsOf(doc));
            listing = (await q.findListing(trx, entry.creator, name))!;
            result.listings_created += 1;
          }
          const wanted = Object.entries(entry.regions).map(([region, ami_id]) => ({
            region,
            ami_id,
            architecture: entry.architecture,
          }));
          const existing = await q.findVersion(trx, listing.id, entry.version);
          // One AMI belongs to one listing version: an AMI held by any other version is reported, not moved.
          const holders = await q.amiHolders(
            trx,
            wanted.map((r) => r.ami_id),
          );
          const regions = wanted.filter((r) => {
            const holder = holders.find((h) => h.ami_id === r.ami_id);
            if (!holder || holder.version_id === existing?.id) return true;
            result.conflicts.push(
              `${entry.creator}/${name}@${entry.version} ${r.region}/${r.architecture}: ${r.ami_id} is already published as ${holder.owner}/${holder.name}@${holder.version}`,
            );
            return false;
          });
          if (!existing) {
            if (regions.length === 0) continue;
            await createVersion(trx, listing, user.id, {
              version: entry.version,
              changelog: entry.changelog,
              template_yaml: entry.template_yaml,
              regions,
            });
            result.versions_created += 1;
            result.regions_added += regions.length;
            continue;
          }
          const have = await q.listRegionsWithScans(trx, [existing.id]);
          const missing = [];
          for (const r of regions) {
            const same = have.find((h) => h.region === r.region && h.architecture === r.architecture);
            if (!same) missing.push(r);
            else if (same.ami_id !== r.ami_id) {
              result.conflicts.push(
                `${entry.creator}/${name}@${entry.version} ${r.region}/${r.architecture}: has ${same.ami_id}, index says ${r.ami_id}`,
              );
            }
          }
          if (missing.length === 0) {
            result.unchanged += 1;
            continue;
          }
          await q.insertRegions(
            trx,
            missing.map((r) => ({
              version_id: existing.id,
              region: r.region,
              architecture: r.architecture,
              ami_id: r.ami_id,
              owner_account: null,
            })),
          );
          result.regions_added += missing.length;
        }
      }
      await audit(trx, {
        actor_id: actorId,
        action: 'import',
        details: { ...result, conflicts: result.conflicts.length },
      });
    });
    await this.cache.invalidate('import');
    return result;
  }
}
