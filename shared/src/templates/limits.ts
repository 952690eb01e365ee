/** Largest template text accepted (a setup script is a few kB; this leaves room, and bounds the parser). */
// Apart from validate.ts (which loads the YAML parser) so the API schemas can use it without loading yaml.
export const TEMPLATE_MAX_BYTES = 128 * 1024;
