import * as z from 'zod';
import { amiId, categoryName, region, templateName } from './common.js';

/** Seed 004: GET /api/v1/community/amis?template=&category=&region= */
export const communityQuery = z.strictObject({
  template: templateName.optional(),
  category: categoryName.optional(),
  region: region.optional(),
});
export type CommunityQuery = z.infer<typeof communityQuery>;

/** Seed 004 item, kept field for field so its clients work. */
export const communityAmi = z.object({
  ami_id: amiId,
  name: z.string(),
  creator: z.string(),
  rating: z.number(),
  download_count: z.number().int(),
  regions: z.array(z.string()),
});
export type CommunityAmi = z.infer<typeof communityAmi>;
export const communityAmiList = z.array(communityAmi);

export const ratingBody = z.strictObject({
  rating: z.number().int('rating must be a whole number').min(1, 'rating is 1-5').max(5, 'rating is 1-5'),
  review: z
    .string()
    .max(5000, 'review is at most 5000 characters')
    .optional()
    .describe('your review; left out, the review you wrote before stays; an empty string removes it'),
});
export type RatingBody = z.infer<typeof ratingBody>;

export const communityAmiParams = z.strictObject({ ami_id: amiId });
