export { COMMANDS } from './commands/index.js';
export { EXIT, type ExitCode } from './lib/errors.js';
export type { ChainEntry, ResolutionMethod, ResolveOutput } from './lib/resolve/types.js';
