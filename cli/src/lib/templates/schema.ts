// The template schema lives in @cws/shared: the registry validates published templates with the same one.
export {
  type AmiConfig,
  type AmiPolicy,
  type AmiSearch,
  amiConfigSchema,
  amiPolicySchema,
  amiSearchSchema,
  BASE_IMAGES,
  type BaseImageName,
  durationSeconds,
  OWNER_ALIASES,
  STRATEGIES,
  type Strategy,
  type Template,
  templateSchema,
} from '@cws/shared/templates/schema';
