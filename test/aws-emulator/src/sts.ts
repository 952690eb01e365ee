/**
 * STS query protocol. Only GetCallerIdentity: it is how a client proves its account to the
 * registry (a presigned GetCallerIdentity forwarded here, Vault/aws-iam-authenticator style).
 * STS also answers in JSON when asked with `Accept: application/json`, which such forwarders use.
 */
import { createHash, randomUUID } from 'node:crypto';
import { ApiError } from './errors.js';
import type { QueryParams } from './query.js';
import { el, XML_DECL } from './xml.js';

export const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

export interface StsIdentity {
  accountId: string;
  arn?: string;
  accessKeyId: string;
}

export interface Reply {
  status: number;
  body: string;
  contentType: string;
  headers?: Record<string, string>;
}

/** IAM unique ids: AIDA + 17 base32-ish characters, stable per principal. */
function userIdFor(arn: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const digest = createHash('sha256').update(arn).digest();
  let id = 'AIDA';
  for (let i = 0; i < 17; i++) id += alphabet[(digest[i] ?? 0) % 32];
  return id;
}

export function callerArn(who: StsIdentity): string {
  return who.arn ?? `arn:aws:iam::${who.accountId}:root`;
}

export function handleSts(action: string, params: QueryParams, who: StsIdentity, json: boolean): Reply {
  const requestId = randomUUID();
  if (action !== 'GetCallerIdentity') {
    return stsError(
      new ApiError(
        'InvalidAction',
        `Could not find operation ${action} for version ${params.get('Version') ?? 'NO_VERSION_SPECIFIED'}`,
      ),
      json,
      requestId,
    );
  }
  const arn = callerArn(who);
  const userId = arn.endsWith(':root') ? who.accountId : userIdFor(arn);
  if (json) {
    const body = {
      GetCallerIdentityResponse: {
        GetCallerIdentityResult: { Account: who.accountId, Arn: arn, UserId: userId },
        ResponseMetadata: { RequestId: requestId },
      },
    };
    return {
      status: 200,
      body: JSON.stringify(body),
      contentType: 'application/json',
      headers: { 'x-amzn-requestid': requestId },
    };
  }
  const body = `${XML_DECL}<GetCallerIdentityResponse xmlns="${STS_NS}"><GetCallerIdentityResult>${el('Arn', arn)}${el('UserId', userId)}${el('Account', who.accountId)}</GetCallerIdentityResult><ResponseMetadata>${el('RequestId', requestId)}</ResponseMetadata></GetCallerIdentityResponse>`;
  return { status: 200, body, contentType: 'text/xml', headers: { 'x-amzn-requestid': requestId } };
}

export function stsError(err: ApiError, json: boolean, requestId = randomUUID()): Reply {
  const type = err.status >= 500 ? 'Receiver' : 'Sender';
  if (json) {
    return {
      status: err.status,
      contentType: 'application/json',
      body: JSON.stringify({ Error: { Code: err.code, Message: err.message, Type: type }, RequestId: requestId }),
      headers: { 'x-amzn-requestid': requestId },
    };
  }
  const body = `${XML_DECL}<ErrorResponse xmlns="${STS_NS}"><Error>${el('Type', type)}${el('Code', err.code)}${el('Message', err.message)}</Error>${el('RequestId', requestId)}</ErrorResponse>`;
  return { status: err.status, body, contentType: 'text/xml', headers: { 'x-amzn-requestid': requestId } };
}
