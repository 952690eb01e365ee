import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { CacheProvider, SamlConfig as NodeSamlConfig, Profile } from '@node-saml/passport-saml';
import type { Logger } from 'pino';
import type { SamlConfig, SamlIdpSettings } from '../../config/saml.js';
import type { Database } from '../../db/database.js';
import { audit } from '../../db/queries/audit.js';
import * as orgQueries from '../../db/queries/organisations.js';
import * as q from '../../db/queries/saml.js';
import { insertUser } from '../../db/queries/users.js';
import { ForbiddenError } from '../../errors.js';
import type { OrganisationService } from '../organisations.js';
import { type IdpMetadata, loadIdpMetadata } from './idp-metadata.js';
import { handleCandidates, mapProfile } from './mapping.js';

/** How long an AuthnRequest may wait for its answer (the person types a password meanwhile). */
export const REQUEST_TTL_MS = 10 * 60_000;
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';

export interface IdpEntry {
  settings: SamlIdpSettings;
  metadata: IdpMetadata;
}

/**
 * A sign-in that was refused. `reason` is for the person (shown on the page); `log` for the
 * operator; neither carries the assertion's contents.
 */
export class SamlRefusedError extends ForbiddenError {
  constructor(
    readonly reason: string,
    readonly log: string = reason,
  ) {
    super(reason);
  }
}

export interface SignedIn {
  userId: number;
  handle: string;
  created: boolean;
  idp: string;
}

/** SAML 2.0 service provider: IdPs from metadata, request and replay stores, attribute mapping, JIT users. */
export class SamlService {
  readonly spEntityId: string;
  readonly acsUrl: string;
  readonly logoutCallbackUrl: string;
  readonly #idps = new Map<string, IdpEntry>();

  private constructor(
    private readonly config: SamlConfig,
    publicUrl: string,
    private readonly database: Database,
    private readonly logger: Logger,
    private readonly orgs: OrganisationService,
    private readonly sp: { key: string | null; cert: string | null },
    private readonly now: () => Date,
    /** passport-saml, loaded by create(): only a registry with SAML configured loads it. */
    readonly sdk: typeof import('@node-saml/passport-saml'),
  ) {
    const base = publicUrl.replace(/\/+$/, '');
    this.spEntityId = config.spEntityId ?? `${base}/saml/metadata`;
    this.acsUrl = `${base}/saml/acs`;
    this.logoutCallbackUrl = `${base}/saml/logout/callback`;
  }

  /** Reads each IdP's metadata (file or URL) and the SP key; fails start-up with the reason. */
  static async create(
    config: SamlConfig,
    publicUrl: string,
    database: Database,
    logger: Logger,
    orgs: OrganisationService,
    now: () => Date = () => new Date(),
  ): Promise<SamlService> {
    const [key, cert, sdk] = await Promise.all([
      config.spKeyFile ? readFile(config.spKeyFile, 'utf8') : null,
      config.spCertFile ? readFile(config.spCertFile, 'utf8') : null,
      import('@node-saml/passport-saml'),
    ]);
    const service = new SamlService(config, publicUrl, database, logger, orgs, { key, cert }, now, sdk);
    for (const settings of config.idps) {
      const metadata = await loadIdpMetadata(settings.metadata);
      service.#idps.set(settings.id, { settings, metadata });
      logger.info(
        { idp: settings.id, entityId: metadata.entityId, organisation: settings.organisation },
        'SAML IdP loaded',
      );
    }
    return service;
  }

  /** After migrations: the organisations the IdPs are bound to exist. */
  async prepare(): Promise<void> {
    for (const { settings } of this.#idps.values()) {
      if (settings.organisation) {
        await ensureOrganisation(this.database, settings.organisation, settings.label, this.logger);
      }
    }
  }

  idps(): IdpEntry[] {
    return [...this.#idps.values()];
  }

  idp(id: string): IdpEntry | undefined {
    return this.#idps.get(id);
  }

  /** The IdP whose entity id is `issuer` (for responses that arrive without a request of ours). */
  idpByIssuer(issuer: string): IdpEntry | undefined {
    return this.idps().find((e) => e.metadata.entityId === issuer);
  }

  newRequestId(): string {
    return `_${randomBytes(20).toString('hex')}`;
  }

  /** node-saml options for one IdP. `requestId` fixes the next AuthnRequest's ID (to bind it to the browser). */
  options(entry: IdpEntry, requestId?: string): NodeSamlConfig {
    const { settings, metadata } = entry;
    return {
      issuer: this.spEntityId,
      callbackUrl: this.acsUrl,
      entryPoint: metadata.ssoUrl,
      // passport-saml would send logout requests to the SSO URL, which IdPs refuse.
      logoutUrl: metadata.sloUrl ?? metadata.ssoUrl,
      logoutCallbackUrl: this.logoutCallbackUrl,
      idpCert: metadata.certs,
      idpIssuer: metadata.entityId,
      audience: this.spEntityId,
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: this.config.wantResponseSigned,
      acceptedClockSkewMs: this.config.clockSkewSeconds * 1000,
      validateInResponseTo: settings.idpInitiated
        ? this.sdk.ValidateInResponseTo.ifPresent
        : this.sdk.ValidateInResponseTo.always,
      requestIdExpirationPeriodMs: REQUEST_TTL_MS,
      cacheProvider: this.requestStore(settings.id),
      identifierFormat: null,
      disableRequestedAuthnContext: true,
      signatureAlgorithm: 'sha256',
      digestAlgorithm: 'sha256',
      ...(this.sp.key ? { privateKey: this.sp.key, decryptionPvk: this.sp.key } : {}),
      ...(requestId ? { generateUniqueId: () => requestId } : {}),
    };
  }

  /** SP metadata for the IdP's administrators. */
  metadataXml(): string {
    return this.sdk.generateServiceProviderMetadata({
      issuer: this.spEntityId,
      callbackUrl: this.acsUrl,
      logoutCallbackUrl: this.logoutCallbackUrl,
      wantAssertionsSigned: true,
      identifierFormat: null,
      ...(this.sp.key && this.sp.cert
        ? {
            privateKey: this.sp.key,
            decryptionPvk: this.sp.key,
            publicCerts: this.sp.cert,
            decryptionCert: this.sp.cert,
          }
        : {}),
    });
  }

  /** Outstanding AuthnRequest ids in Postgres: every replica sees them, each is answered once. */
  requestStore(idp: string): CacheProvider {
    const db = () => this.database.db;
    return {
      saveAsync: async (key, value) => {
        const now = this.now();
        await q.saveRequest(db(), { id: key, idp, expires_at: new Date(now.getTime() + REQUEST_TTL_MS) });
        return { value, createdAt: now.getTime() };
      },
      getAsync: async (key) => {
        const row = await q.findRequest(db(), key, idp, this.now());
        return row ? new Date(row.created_at).toISOString() : null;
      },
      removeAsync: async (key) => {
        if (!key) return null;
        const deleted = await q.deleteRequest(db(), key, idp);
        return Number(deleted.numDeletedRows) > 0 ? key : null;
      },
    };
  }

  /**
   * The checks node-saml leaves to us, on a response whose signature and conditions it has
   * verified: issuer, Destination, Recipient, the browser's own request, assertion replay. Then
   * the person: created on first sign-in, attributes and role updated on every one.
   */
  async signIn(entry: IdpEntry, profile: Profile, opts: { browserRequestId: string | null }): Promise<SignedIn> {
    const { settings, metadata } = entry;
    const idp = settings.id;
    if (profile.issuer !== metadata.entityId) {
      throw new SamlRefusedError(
        'The response came from another identity provider.',
        `issuer is not ${metadata.entityId}`,
      );
    }
    const responseXml = profile.getSamlResponseXml?.() ?? '';
    const destination = /<(?:\w+:)?Response\b[^>]*\sDestination="([^"]*)"/.exec(responseXml)?.[1];
    if (destination !== this.acsUrl) {
      throw new SamlRefusedError(
        'The response was addressed to another service.',
        `Destination ${destination === undefined ? 'missing' : 'is not this ACS'}`,
      );
    }
    const assertion = (profile.getAssertion?.() as { Assertion?: AssertionJs } | undefined)?.Assertion;
    if (!assertion) throw new SamlRefusedError('The response holds no assertion.');
    const confirmations = assertion.Subject?.[0]?.SubjectConfirmation ?? [];
    const bearer = confirmations.find((c) => c.$?.Method === BEARER);
    const data = bearer?.SubjectConfirmationData?.[0]?.$;
    if (!data || data.Recipient !== this.acsUrl) {
      throw new SamlRefusedError(
        'The assertion was meant for another service.',
        `bearer SubjectConfirmationData Recipient ${data?.Recipient === undefined ? 'missing' : 'is not this ACS'}`,
      );
    }
    const notOnOrAfter = data.NotOnOrAfter ?? assertion.Conditions?.[0]?.$?.NotOnOrAfter;
    if (!notOnOrAfter || !assertion.Conditions?.[0]?.AudienceRestriction) {
      throw new SamlRefusedError(
        'The assertion has no validity period or audience.',
        'NotOnOrAfter or AudienceRestriction missing',
      );
    }
    const inResponseTo = (profile.inResponseTo as string | undefined) ?? data.InResponseTo ?? null;
    if (inResponseTo) {
      // Login CSRF: the response must answer a request this browser started.
      if (opts.browserRequestId !== inResponseTo) {
        throw new SamlRefusedError(
          'This sign-in was not started in this browser. Start again from the sign-in page.',
          'InResponseTo does not match the browser’s request cookie',
        );
      }
    } else if (!settings.idpInitiated) {
      throw new SamlRefusedError(
        'Sign-in started at the identity provider is turned off here; start from the sign-in page.',
      );
    }
    const assertionId = assertion.$?.ID;
    if (!assertionId) throw new SamlRefusedError('The assertion has no ID.');
    const skew = this.config.clockSkewSeconds * 1000;
    const keepUntil = new Date(Math.max(Date.parse(notOnOrAfter) || 0, this.now().getTime()) + skew);
    await q.deleteExpired(this.database.db, this.now());
    if (!(await q.markAssertionSeen(this.database.db, idp, assertionId, keepUntil))) {
      throw new SamlRefusedError(
        'This sign-in response was used before. Start again from the sign-in page.',
        'assertion replayed',
      );
    }

    const person = mapProfile(settings, profile as never);
    if ('missing' in person) {
      throw new SamlRefusedError(
        'Your identity provider did not send a stable user id; ask its administrators to release one of the attributes this registry reads.',
        `no stable id among: ${person.missing.join(', ')}`,
      );
    }
    const signedIn = await this.database.transaction(async (trx): Promise<SignedIn> => {
      const fields = {
        organisation: settings.organisation,
        display_name: person.displayName,
        mail: person.mail,
        groups: person.groups,
        org_role: person.role,
        name_id: profile.nameID ?? null,
        name_id_format: profile.nameIDFormat ?? null,
        session_index: profile.sessionIndex ?? null,
      };
      const known = await q.findIdentity(trx, idp, person.subject);
      if (known) {
        if (known.disabled_at)
          throw new SamlRefusedError('Your account on this registry is disabled.', 'user disabled');
        await q.updateIdentity(trx, idp, person.subject, fields, this.now());
        await q.setDisplayName(trx, known.user_id, person.displayName);
        await audit(trx, { actor_id: known.user_id, action: 'saml.sign_in', details: { idp, role: person.role } });
        return { userId: known.user_id, handle: known.handle, created: false, idp };
      }
      let handle: string | null = null;
      for (const candidate of handleCandidates(person.subject, person.displayName)) {
        if (!(await q.handleTaken(trx, candidate))) {
          handle = candidate;
          break;
        }
      }
      handle ??= `user-${randomBytes(5).toString('hex')}`;
      const user = await insertUser(trx, { handle, display_name: person.displayName, role: 'user' });
      await q.insertIdentity(trx, { idp, subject: person.subject, user_id: user.id, ...fields });
      await audit(trx, {
        actor_id: user.id,
        action: 'saml.user_created',
        target: user.handle,
        details: { idp, organisation: settings.organisation, role: person.role },
      });
      return { userId: user.id, handle: user.handle, created: true, idp };
    });
    // The organisation role follows the IdP's groups at every sign-in (hand-set memberships stay).
    const role = settings.organisation
      ? await this.orgs.applyIdentityProviderRole(settings.organisation, signedIn.userId, person.role, idp)
      : null;
    this.logger.info(
      { idp, user: signedIn.handle, created: signedIn.created, organisation: settings.organisation, role },
      'SAML sign-in accepted',
    );
    return signedIn;
  }

  /** The IdP asks us to end a person's sessions (IdP-initiated single logout, already verified). */
  async endSessions(entry: IdpEntry, nameId: string): Promise<number> {
    const ended = await q.endSessionsByNameId(this.database.db, entry.settings.id, nameId);
    this.logger.info({ idp: entry.settings.id, sessions: ended }, 'SAML single logout from the IdP');
    return ended;
  }

  /** What single logout needs: the last NameID/session this IdP gave the user. */
  async logoutProfile(userId: number) {
    const rows = await q.identitiesOf(this.database.db, userId);
    for (const row of rows) {
      const entry = this.idp(row.idp);
      if (entry?.metadata.sloUrl && row.name_id) {
        return {
          entry,
          profile: {
            issuer: entry.metadata.entityId,
            nameID: row.name_id,
            nameIDFormat: row.name_id_format ?? 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
            sessionIndex: row.session_index ?? undefined,
          },
        };
      }
    }
    return null;
  }
}

/** The organisation an IdP is bound to exists from the start (people and organisations share handles). */
async function ensureOrganisation(database: Database, name: string, label: string, logger: Logger): Promise<void> {
  await database.transaction(async (trx) => {
    if (await orgQueries.findOrg(trx, name)) return;
    if (await q.handleTaken(trx, name)) {
      throw new Error(
        `SAML: the organisation "${name}" an IdP is bound to is the handle of a person; pick another name`,
      );
    }
    await orgQueries.insertOrg(trx, { name, display_name: label });
    await audit(trx, { actor_id: null, action: 'org.create', target: name, details: { via: 'saml configuration' } });
    logger.info({ organisation: name }, 'organisation created for a SAML IdP');
  });
}

interface AssertionJs {
  $?: { ID?: string };
  Subject?: Array<{
    SubjectConfirmation?: Array<{
      $?: { Method?: string };
      SubjectConfirmationData?: Array<{ $?: { Recipient?: string; NotOnOrAfter?: string; InResponseTo?: string } }>;
    }>;
  }>;
  Conditions?: Array<{ $?: { NotOnOrAfter?: string }; AudienceRestriction?: unknown }>;
}
