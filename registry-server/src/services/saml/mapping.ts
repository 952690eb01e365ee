import { HANDLE_PATTERN } from '@cws/shared';
import { ORG_ROLES, type OrgRoleName, type SamlIdpSettings } from '../../config/saml.js';

export const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';

/** The parts of a node-saml profile the mapping reads. */
export interface AssertedProfile {
  nameID?: string;
  nameIDFormat?: string;
  attributes?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface MappedPerson {
  subject: string;
  displayName: string | null;
  mail: string | null;
  groups: string[];
  role: OrgRoleName | null;
}

function values(profile: AssertedProfile, name: string): string[] {
  const raw = profile.attributes?.[name] ?? (name in profile ? profile[name] : undefined);
  const list = Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw];
  return list.filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((v) => v.trim());
}

function first(profile: AssertedProfile, names: string[]): string | null {
  for (const name of names) {
    if (name === 'nameid:persistent') {
      if (profile.nameIDFormat === PERSISTENT && profile.nameID) return profile.nameID;
      continue;
    }
    const [value] = values(profile, name);
    if (value) return value;
  }
  return null;
}

/** Maps an assertion to a person by the IdP's settings; null subject: the IdP sent no stable id. */
export function mapProfile(idp: SamlIdpSettings, profile: AssertedProfile): MappedPerson | { missing: string[] } {
  const subject = first(profile, idp.attributes.id);
  if (!subject || subject.length > 512) return { missing: idp.attributes.id };
  const groups = [...new Set(idp.attributes.groups.flatMap((name) => values(profile, name)))].slice(0, 500);
  const displayName = first(profile, idp.attributes.name)?.slice(0, 200) ?? null;
  const mail = first(profile, idp.attributes.mail)?.slice(0, 320) ?? null;
  return { subject, displayName, mail, groups, role: roleFor(idp.roles, groups) };
}

/** The highest role any rule grants: admin > publisher > member; `*` matches everyone. */
export function roleFor(rules: SamlIdpSettings['roles'], groups: string[]): OrgRoleName | null {
  let best = -1;
  for (const rule of rules) {
    if (rule.values.some((v) => v === '*' || groups.includes(v))) best = Math.max(best, ORG_ROLES.indexOf(rule.role));
  }
  return best < 0 ? null : ORG_ROLES[best]!;
}

/** Handle candidates for a new person: alice@example.edu -> alice, alice-example-edu, alice-example-edu-2 ... */
export function handleCandidates(subject: string, displayName: string | null): string[] {
  const clean = (s: string) =>
    s
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 39)
      .replace(/-+$/g, '');
  const [local = '', domain = ''] = subject.split('@');
  const base = clean(local) || clean(displayName ?? '') || 'user';
  const withDomain = clean(`${local}-${domain.split('.').slice(0, -1).join('-')}`);
  const out = [base];
  if (domain && withDomain && withDomain !== base) out.push(withDomain);
  const stem = (withDomain || base).slice(0, 34);
  for (let i = 2; i < 10; i++) out.push(`${stem}-${i}`);
  return out.filter((h) => HANDLE_PATTERN.test(h));
}
