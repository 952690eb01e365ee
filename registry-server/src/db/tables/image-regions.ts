import type { Generated } from 'kysely';

export interface ImageRegionsTable {
  id: Generated<number>;
  version_id: number;
  region: string;
  architecture: 'x86_64' | 'arm64';
  ami_id: string;
  owner_account: string | null;
  state: Generated<'available' | 'pending' | 'unavailable'>;
  verification_status: Generated<'unverified' | 'verified' | 'failed'>;
  verification_reason: string | null;
  last_verified_at: Date | null;
}
