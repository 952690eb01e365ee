import * as z from 'zod';
import { slug } from '../validators.js';

export {
  amiId,
  architecture,
  awsAccountId,
  channelName,
  handle,
  listingName,
  region,
  role,
  scope,
  severity,
  tag,
  templateName,
  version,
  versionStatus,
  visibility,
} from '../validators.js';

export const categoryName = slug;

export const ratingSummary = z.object({
  average: z.number().describe('mean of all ratings, 0 when unrated, two decimals'),
  count: z.number().int(),
});
export type RatingSummary = z.infer<typeof ratingSummary>;

export const timestamp = z.string().describe('ISO 8601 date-time');
