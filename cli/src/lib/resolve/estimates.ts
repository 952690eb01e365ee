import { durationSeconds, type Template } from '../templates/schema.js';

/** Launch from a ready image: instance start plus boot, roughly. */
export const AMI_LAUNCH_SECONDS = 60;
/** When a template does not say how long its setup script runs. */
export const DEFAULT_SETUP_SECONDS = 600;
/** Inter-region data transfer, USD per GiB (EC2 pricing, most regions). */
export const COPY_TRANSFER_USD_PER_GIB = 0.02;
/** EBS snapshot storage in the target region, USD per GiB-month. */
export const SNAPSHOT_USD_PER_GIB_MONTH = 0.05;
/** Images without block-device sizes are assumed to be this big. */
export const DEFAULT_IMAGE_GIB = 8;

export interface CopyEstimate {
  size_gib: number;
  seconds: number;
  transfer_usd: number;
  storage_usd_per_month: number;
}

/** CopyImage time grows with the snapshot size: a fixed start-up plus ~40 s per GiB is a fair middle. */
export function estimateCopy(sizeGib: number): CopyEstimate {
  const size = sizeGib > 0 ? sizeGib : DEFAULT_IMAGE_GIB;
  return {
    size_gib: size,
    seconds: 300 + 40 * size,
    transfer_usd: Math.round(size * COPY_TRANSFER_USD_PER_GIB * 100) / 100,
    storage_usd_per_month: Math.round(size * SNAPSHOT_USD_PER_GIB_MONTH * 100) / 100,
  };
}

export function setupSeconds(template: Template): number {
  const text = template.estimated_setup_time ?? template.ami_config.fallback_timeout;
  const s = text ? durationSeconds(text) : Number.NaN;
  return Number.isFinite(s) && s > 0 ? s : DEFAULT_SETUP_SECONDS;
}

export function humanDuration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
