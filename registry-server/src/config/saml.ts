import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export const ORG_ROLES = ['member', 'publisher', 'admin'] as const;
export type OrgRoleName = (typeof ORG_ROLES)[number];

/** Which assertion attributes mean what; each list is tried in order, the first present wins. */
export interface SamlAttributeMap {
  /** Stable user id. `nameid:persistent` stands for the NameID when its format is persistent. */
  id: string[];
  name: string[];
  mail: string[];
  /** Groups, entitlements and affiliations: all values of all listed attributes are collected. */
  groups: string[];
}

/** One identity provider, bound to one organisation. */
export interface SamlIdpSettings {
  /** Short name used in URLs (/saml/login/ID) and in the users' identities. */
  id: string;
  /** "Sign in with LABEL" */
  label: string;
  /** IdP metadata: a file path or an http(s) URL. */
  metadata: string;
  /** Handle of the organisation this IdP's people belong to; null: none. */
  organisation: string | null;
  attributes: SamlAttributeMap;
  /** Group value -> organisation role; the highest matching role wins. `*` matches everyone. */
  roles: Array<{ role: OrgRoleName; values: string[] }>;
  /** Accept responses nobody asked for (IdP-initiated sign-in). */
  idpInitiated: boolean;
}

export interface SamlConfig {
  /** The SP's entity id; null: PUBLIC_URL/saml/metadata. */
  spEntityId: string | null;
  /** PEM files: with both, AuthnRequests are signed and encrypted assertions can be read. */
  spKeyFile: string | null;
  spCertFile: string | null;
  clockSkewSeconds: number;
  /** Also require the Response (not only the assertion) to be signed. */
  wantResponseSigned: boolean;
  idps: SamlIdpSettings[];
}

export const DEFAULT_ATTRIBUTES: SamlAttributeMap = {
  id: [
    'urn:oid:1.3.6.1.4.1.5923.1.1.1.6',
    'eduPersonPrincipalName',
    'urn:oasis:names:tc:SAML:attribute:subject-id',
    'subject-id',
    'nameid:persistent',
  ],
  name: ['urn:oid:2.16.840.1.113730.3.1.241', 'displayName', 'urn:oid:2.5.4.3', 'cn'],
  mail: ['urn:oid:0.9.2342.19200300.100.1.3', 'mail', 'email'],
  groups: [
    'urn:oid:1.3.6.1.4.1.5923.1.1.1.7',
    'eduPersonEntitlement',
    'memberOf',
    'urn:oid:1.3.6.1.4.1.5923.1.1.1.1',
    'eduPersonAffiliation',
    'urn:oid:1.3.6.1.4.1.5923.1.1.1.9',
    'eduPersonScopedAffiliation',
  ],
};
export const DEFAULT_ROLES: SamlIdpSettings['roles'] = [{ role: 'member', values: ['*'] }];

const IDP_ID = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

/** "a,b , c" -> ["a","b","c"] */
export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

/** "admin=urn:x:admin;publisher=staff,faculty;member=*" -> role rules. */
export function parseRoleMap(value: string, where = 'CWS_REGISTRY_SAML_ROLES'): SamlIdpSettings['roles'] {
  const rules: SamlIdpSettings['roles'] = [];
  for (const part of value.split(';')) {
    if (!part.trim()) continue;
    const eq = part.indexOf('=');
    const role = part.slice(0, eq).trim();
    if (eq <= 0 || !(ORG_ROLES as readonly string[]).includes(role)) {
      throw new Error(
        `${where}: "${part.trim()}" should look like ROLE=value1,value2 with ROLE one of ${ORG_ROLES.join(', ')}`,
      );
    }
    const values = splitList(part.slice(eq + 1));
    if (values.length === 0) throw new Error(`${where}: ${role} names no group values`);
    rules.push({ role: role as OrgRoleName, values });
  }
  return rules;
}

export function checkIdpId(id: string, where: string): string {
  if (!IDP_ID.test(id)) throw new Error(`${where}: "${id}" must be 1-32 lowercase letters, digits or inner hyphens`);
  return id;
}

const list = z.union([z.string().transform(splitList), z.array(z.string().min(1))]);
const idpFileEntry = z.strictObject({
  id: z.string(),
  label: z.string().trim().min(1).max(100),
  metadata: z.string().min(1),
  organisation: z.string().min(1).max(39).nullable().optional(),
  idp_initiated: z.boolean().optional(),
  attributes: z
    .strictObject({ id: list.optional(), name: list.optional(), mail: list.optional(), groups: list.optional() })
    .optional(),
  roles: z.union([z.string(), z.partialRecord(z.enum(ORG_ROLES), list)]).optional(),
});
const idpFile = z.object({ idps: z.array(idpFileEntry).min(1) });

/**
 * Reads CWS_REGISTRY_SAML_IDPS: YAML or JSON with `idps: [{id, label, metadata, organisation,
 * attributes, roles, idp_initiated}]`. Unset fields take the single-IdP settings' values.
 */
export function readIdpsFile(
  path: string,
  defaults: Omit<SamlIdpSettings, 'id' | 'label' | 'metadata' | 'organisation'>,
) {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`CWS_REGISTRY_SAML_IDPS: cannot read ${path}: ${(err as Error).message}`);
  }
  const parsed = idpFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`CWS_REGISTRY_SAML_IDPS: ${path}: ${issue.path.join('.')}: ${issue.message}`);
  }
  const ids = new Set<string>();
  return parsed.data.idps.map((e, i): SamlIdpSettings => {
    const where = `CWS_REGISTRY_SAML_IDPS: ${path}: idps.${i}`;
    checkIdpId(e.id, where);
    if (ids.has(e.id)) throw new Error(`${where}: the id "${e.id}" is used twice`);
    ids.add(e.id);
    const roles =
      e.roles === undefined
        ? defaults.roles
        : typeof e.roles === 'string'
          ? parseRoleMap(e.roles, `${where}.roles`)
          : ORG_ROLES.filter((r) => e.roles && typeof e.roles !== 'string' && e.roles[r]).map((role) => ({
              role,
              values: (e.roles as Record<string, string[]>)[role]!,
            }));
    return {
      id: e.id,
      label: e.label,
      metadata: e.metadata,
      organisation: e.organisation ?? null,
      idpInitiated: e.idp_initiated ?? defaults.idpInitiated,
      attributes: { ...defaults.attributes, ...e.attributes },
      roles,
    };
  });
}
