import {
  type AwsAuthInfo,
  type AwsProofBody,
  type AwsProofResult,
  type CreatedToken,
  HANDLE_PATTERN,
  REGISTRY_ID_HEADER,
  type Scope,
  type UserInfo,
} from '@cws/shared';
import type { Logger } from 'pino';
import { generateToken, hashToken, type Principal, tokenPrefix } from '../auth/tokens.js';
import {
  type CallerIdentity,
  type CheckedProof,
  checkProof,
  forwardProof,
  ProofRejected,
  StsRefused,
} from '../aws/sts-proof.js';
import type { RedisLink } from '../cache/redis.js';
import type { AwsConfig } from '../config/config.js';
import type { Database, Db } from '../db/database.js';
import { isUniqueViolation } from '../db/errors.js';
import { audit } from '../db/queries/audit.js';
import * as accounts from '../db/queries/aws-accounts.js';
import { insertToken } from '../db/queries/tokens.js';
import * as users from '../db/queries/users.js';
import { AuthRequiredError, ConflictError, DomainError, ForbiddenError, UpstreamError } from '../errors.js';
import { requireScope, toTokenInfo } from './auth.js';
import { iso } from './present.js';
import type { VerificationService } from './verification.js';

/** A proof is accepted for this long after it was signed (and never twice). */
export const PROOF_MAX_AGE_MS = 15 * 60 * 1000;
const LOGIN_SCOPES: Scope[] = ['rate', 'publish'];
/** Handles a derived name never takes: they mean something to people or to the registry. */
const RESERVED = new Set(['admin', 'root', 'administrator', 'system', 'cws', 'registry', 'api', 'aws', 'support']);

/**
 * Proof of AWS account ownership (POST /auth/aws): links an account to the calling user, or
 * logs in (creating a user when allowed) and returns a token. See aws/sts-proof.ts.
 */
export class AwsAccountService {
  /** Fingerprints of proofs already used, when there is no Redis to share them. */
  #used = new Map<string, number>();

  constructor(
    private readonly database: Database,
    private readonly redis: RedisLink | null,
    private readonly logger: Logger,
    private readonly aws: AwsConfig,
    private readonly verification: VerificationService,
    private readonly forward: (proof: CheckedProof) => Promise<CallerIdentity> = forwardProof,
  ) {}

  info(): AwsAuthInfo {
    const v = this.verification.status;
    return {
      registry_id: this.aws.registryId,
      header: REGISTRY_ID_HEADER,
      sts_endpoints: this.aws.stsEndpoints,
      max_age_seconds: PROOF_MAX_AGE_MS / 1000,
      signup: this.aws.signup,
      verification: { enabled: v.enabled, reason: v.reason, account_id: v.account },
    };
  }

  async prove(principal: Principal | null, body: AwsProofBody): Promise<AwsProofResult> {
    if (principal) requireScope(principal, 'publish');
    let proof: CheckedProof;
    try {
      proof = checkProof(body, {
        stsEndpoints: this.aws.stsEndpoints,
        registryId: this.aws.registryId,
        registryHeader: REGISTRY_ID_HEADER,
        maxAgeMs: PROOF_MAX_AGE_MS,
      });
    } catch (err) {
      if (!(err instanceof ProofRejected)) throw err;
      if (err.kind === 'invalid') throw new DomainError('bad_request', `not an acceptable proof: ${err.message}`);
      throw new AuthRequiredError(`proof refused: ${err.message}`);
    }
    if (!(await this.#firstUse(proof.fingerprint))) {
      throw new AuthRequiredError('proof refused: this signed request was used already; sign a new one');
    }
    let who: CallerIdentity;
    try {
      who = await this.forward(proof);
    } catch (err) {
      if (err instanceof StsRefused)
        throw new AuthRequiredError(`proof refused: AWS STS did not accept it: ${err.message}`);
      throw new UpstreamError(`AWS STS could not be asked: ${(err as Error).message}`);
    }
    try {
      return await this.#link(principal, who, body);
    } catch (err) {
      // Two first proofs of one account at once: the loser sees the winner's link on retry.
      if (!isUniqueViolation(err)) throw err;
      return this.#link(principal, who, body);
    }
  }

  #link(principal: Principal | null, who: CallerIdentity, body: AwsProofBody): Promise<AwsProofResult> {
    return this.database.transaction(async (trx) => {
      const existing = await accounts.findAccount(trx, who.account);
      let userId: number;
      let linked = false;
      let created = false;
      let token: CreatedToken | null = null;
      if (principal) {
        if (existing && existing.user_id !== principal.userId) {
          throw new ConflictError(`AWS account ${who.account} is linked to another user of this registry`);
        }
        userId = principal.userId;
      } else if (existing) {
        if (existing.disabled_at) throw new ForbiddenError(`the user linked to AWS account ${who.account} is disabled`);
        userId = existing.user_id;
      } else {
        if (!this.aws.signup) {
          throw new ForbiddenError(
            `AWS account ${who.account} is linked to no user and this registry does not create users from AWS proofs; ask an administrator for a token, then link the account with it`,
          );
        }
        const handle = await freeHandle(trx, handleFromArn(who.arn, who.account));
        const user = await users.insertUser(trx, { handle, display_name: null, role: 'user' });
        userId = user.id;
        created = true;
        await audit(trx, {
          actor_id: user.id,
          action: 'user.create',
          target: handle,
          details: { via: 'aws', arn: who.arn },
        });
      }
      if (existing) {
        await accounts.touchAccount(trx, existing.id, who.arn);
      } else {
        await accounts.insertAccount(trx, { user_id: userId, account_id: who.account, arn: who.arn });
        linked = true;
      }
      await audit(trx, {
        actor_id: userId,
        action: linked ? 'aws_account.link' : 'aws_account.prove',
        target: `aws:${who.account}`,
        details: { arn: who.arn, aws_user_id: who.userId, login: !principal },
      });
      if (!principal) {
        token = await mint(trx, userId, body.token_name ?? 'aws login', body.token_expires_in_days);
        await audit(trx, { actor_id: userId, action: 'auth.aws_login', target: `token:${token.id}` });
      }
      this.logger.info({ account: who.account, arn: who.arn, userId, linked, created }, 'AWS account proven');
      return {
        account_id: who.account,
        arn: who.arn,
        aws_user_id: who.userId,
        user: await userInfo(trx, userId),
        linked,
        user_created: created,
        token,
      };
    });
  }

  /** True the first time a proof is seen (shared through Redis when there is one). */
  async #firstUse(fingerprint: string): Promise<boolean> {
    const ttl = PROOF_MAX_AGE_MS * 2; // covers the 15 minutes either side of the signing time
    if (this.redis?.up) {
      try {
        const ok = await this.redis.client.set(`${this.redis.prefix}aws-proof:${fingerprint}`, '1', 'PX', ttl, 'NX');
        return ok === 'OK';
      } catch (err) {
        this.logger.warn({ err: (err as Error).message }, 'Redis unavailable: proof replay check is local');
      }
    }
    const now = Date.now();
    for (const [k, until] of this.#used) if (until <= now) this.#used.delete(k);
    if (this.#used.has(fingerprint)) return false;
    this.#used.set(fingerprint, now + ttl);
    return true;
  }
}

/**
 * A handle from the caller's ARN: the IAM user name, the session name of an assumed role
 * (the person, with SSO), or the role name when the session is a machine's; aws-ACCOUNT for root.
 */
export function handleFromArn(arn: string, account: string): string {
  const resource = arn.split(':').slice(5).join(':');
  const parts = resource.split('/');
  let name = '';
  if (parts[0] === 'user' || parts[0] === 'federated-user') name = parts.at(-1) ?? '';
  else if (parts[0] === 'assumed-role') {
    const session = parts[2] ?? '';
    const machine = /^(i-[0-9a-f]+|botocore-session-\d+|aws-go-sdk-\d+|\d+)$/i.test(session);
    name = machine || !session ? (parts[1] ?? '') : session.split('@')[0]!;
  }
  const clean = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32)
    .replace(/-+$/, '');
  return clean && HANDLE_PATTERN.test(clean) ? clean : `aws-${account}`;
}

async function freeHandle(trx: Db, base: string): Promise<string> {
  const taken = await accounts.takenHandles(trx, base);
  if (!taken.has(base) && !RESERVED.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

async function mint(trx: Db, userId: number, name: string, days: number | undefined): Promise<CreatedToken> {
  const token = generateToken();
  const row = await insertToken(trx, {
    user_id: userId,
    name,
    token_hash: hashToken(token),
    prefix: tokenPrefix(token),
    scopes: LOGIN_SCOPES,
    expires_at: days ? new Date(Date.now() + days * 86_400_000) : null,
  });
  return { ...toTokenInfo(row), token };
}

async function userInfo(trx: Db, userId: number): Promise<UserInfo> {
  const user = await accounts.findUserById(trx, userId);
  const linked = await users.listAwsAccounts(trx, userId);
  return {
    handle: user.handle,
    display_name: user.display_name,
    role: user.role,
    created_at: iso(user.created_at)!,
    aws_accounts: linked.map((a) => ({ account_id: a.account_id, arn: a.arn, proven_at: iso(a.proven_at)! })),
  };
}
