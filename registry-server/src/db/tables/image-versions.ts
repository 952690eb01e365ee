import type { ColumnType, Generated } from 'kysely';

export interface ImageVersionsTable {
  id: Generated<number>;
  image_id: number;
  version: string;
  changelog: string | null;
  status: Generated<'active' | 'deprecated' | 'revoked'>;
  status_reason: string | null;
  source_template: string | null;
  parent_ami: string | null;
  /** OWNER/NAME the saver says the parent image came from (informational; lineage follows parent_ami). */
  parent_listing: string | null;
  launch_count: Generated<number>;
  created_by: number;
  download_count: Generated<number>;
  created_at: ColumnType<Date, never, never>;
  status_changed_at: Date | null;
  /** The latest publisher-reported validation-test report (VersionTestReport). */
  test_report: ColumnType<unknown | null, unknown | undefined, unknown>;
  /** The publisher-reported hygiene check at publish (VersionHygiene). */
  hygiene: ColumnType<unknown | null, unknown | undefined, unknown>;
  /** The template YAML the version was built from (checked with the CLI's schema at publish). */
  template_yaml: ColumnType<string | null, string | null | undefined, string | null>;
}
