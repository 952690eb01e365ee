import { contracts } from '@cws/shared';
import { DomainError } from '../../../errors.js';
import { parseIndex, validateIndex } from '../../../services/import.js';
import { defineRoute } from '../../route.js';

export const { contract, register } = defineRoute(contracts.importIndex, (ctx, { body, principal }) => {
  if (typeof body === 'string') return ctx.services.import.import(parseIndex(body, 'body'), principal.userId);
  if (typeof body !== 'object' || body === null) throw new DomainError('bad_request', 'send an index object');
  return ctx.services.import.import(validateIndex(body, 'body'), principal.userId);
});
