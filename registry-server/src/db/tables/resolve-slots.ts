/**
 * Resolve's candidates (migration 2026120340): one row per usable region image (available, version
 * active or deprecated) with its listing's template, visibility class and rank, kept equal to the
 * view `resolve_slots_source` by triggers. Read only by the resolve fast path (db/queries/resolve.ts).
 */
export interface ResolveSlotsTable {
  region_id: number;
  version_id: number;
  image_id: number;
  template: string;
  region: string;
  architecture: 'x86_64' | 'arm64';
  private: boolean;
  active: boolean;
  verified: boolean;
  rating_avg: number;
  rating_count: number;
  download_count: number;
  /** The region image's latest complete scan (migration 2026120375); null: none (unscanned). */
  scan_id: number | null;
  /** That scan's highest severity with a finding: 0 informational .. 4 critical, -1 none. */
  scan_top: number | null;
  /** The listing's channels that point at this version; null: none. */
  channels: string[] | null;
}
