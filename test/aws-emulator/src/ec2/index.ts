/**
 * EC2 query protocol: `Action=...&Version=2016-11-15` form posts answered with
 * `<ActionResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">` and errors in EC2's
 * own `<Response><Errors><Error>` envelope (not the generic query `ErrorResponse`).
 */
import { randomUUID } from 'node:crypto';
import { ApiError } from '../errors.js';
import { el, XML_DECL } from '../xml.js';
import type { Ec2Context, Ec2Handler } from './common.js';
import { imageCreateHandlers } from './image-create.js';
import { imageLifecycleHandlers } from './image-lifecycle.js';
import { imageHandlers } from './images.js';
import { instanceHandlers } from './instances.js';
import { miscHandlers } from './misc.js';
import { scanningHandlers } from './scanning.js';
import { snapshotHandlers } from './snapshots.js';

export const EC2_NS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

const HANDLERS: Record<string, Ec2Handler> = {
  ...imageHandlers,
  ...imageLifecycleHandlers,
  ...imageCreateHandlers,
  ...snapshotHandlers,
  ...instanceHandlers,
  ...miscHandlers,
  ...scanningHandlers,
};

export interface XmlReply {
  status: number;
  body: string;
  contentType: string;
  headers: Record<string, string>;
}

const reply = (status: number, body: string, requestId: string): XmlReply => ({
  status,
  body,
  contentType: 'text/xml;charset=UTF-8',
  headers: { 'x-amzn-requestid': requestId },
});

export function handleEc2(action: string, ctx: Ec2Context): XmlReply {
  const requestId = randomUUID();
  const handler = HANDLERS[action];
  if (!handler) {
    return ec2Error(
      new ApiError('InvalidAction', `The action ${action} is not valid for this web service.`),
      requestId,
    );
  }
  try {
    if (ctx.params.bool('DryRun')) {
      throw new ApiError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
    }
    const inner = handler(ctx);
    const body = `${XML_DECL}<${action}Response xmlns="${EC2_NS}">${el('requestId', requestId)}${inner}</${action}Response>`;
    return reply(200, body, requestId);
  } catch (err) {
    if (err instanceof ApiError) return ec2Error(err, requestId);
    throw err;
  }
}

export function ec2Error(err: ApiError, requestId = randomUUID()): XmlReply {
  const body = `${XML_DECL}<Response><Errors><Error>${el('Code', err.code)}${el('Message', err.message)}</Error></Errors>${el('RequestID', requestId)}</Response>`;
  return reply(err.status, body, requestId);
}

export type { Ec2Context, EmulatorTiming } from './common.js';
