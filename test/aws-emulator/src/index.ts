/**
 * @cws/aws-emulator: a loopback AWS (EC2, STS, SSM, Inspector2) speaking the real wire
 * protocols, so the unmodified AWS SDK pointed at `emulator.url` works in tests.
 */
export type { AddImageOptions, AwsEmulator, EmulatorAccount, SeedFinding, StartOptions } from './emulator.js';
export { DEFAULT_ACCOUNTS, sdkConfig, startEmulator } from './emulator.js';
export { CANONICAL_ACCOUNT, CANONICAL_REGIONS, canonicalImageId, ubuntuParameter } from './seed.js';
export type { RequestLogEntry } from './server.js';
export type {
  BlockDevice,
  EmulatedImage,
  EmulatedInstance,
  EmulatedSnapshot,
  ImageState,
  InstanceStateName,
  Severity,
} from './state.js';
