import {
  type FindingsPage,
  type ListingDetail,
  SEVERITIES_HIGHEST_FIRST,
  type Severity,
  type VersionDetail,
} from '@cws/shared';
import { badge, date } from '../components.js';
import { href, html, listingPath, type SafeHtml } from '../html.js';

/** The current version's findings on the listing page: the first page, maybe of one severity. */
export interface FindingsView {
  page: FindingsPage;
  severity: Severity | undefined;
}

const SEVERITY_BADGE: Record<Severity, 'bad' | 'warn' | 'info' | 'plain'> = {
  critical: 'bad',
  high: 'bad',
  medium: 'warn',
  low: 'info',
  informational: 'plain',
};

/** The "Security scan" part of the trust box: a bar of severity counts, when, and why images are not scanned. */
export function scanSummary(version: VersionDetail | undefined): SafeHtml {
  const images = version?.regions ?? [];
  const scanned = images.filter((r) => r.scan?.status === 'complete');
  const totals = { critical: 0, high: 0, medium: 0, low: 0, informational: 0 };
  for (const r of scanned) for (const s of SEVERITIES_HIGHEST_FIRST) totals[s] += r.scan!.counts[s];
  const all = SEVERITIES_HIGHEST_FIRST.reduce((n, s) => n + totals[s], 0);
  const latest = scanned
    .map((r) => r.scan!.scanned_at)
    .sort()
    .at(-1);
  // Widths in 5% steps (the stylesheet's w0..w20); a severity that has findings shows at least one step.
  const step = (n: number) => (n === 0 ? 0 : Math.max(1, Math.round((n / all) * 20)));
  const label = SEVERITIES_HIGHEST_FIRST.map((s) => `${totals[s]} ${s}`).join(', ');
  const unscanned = images.filter((r) => r.scan?.status !== 'complete');
  return html`<h3>Security scan</h3>
  ${
    scanned.length === 0
      ? html`<p id="scan-status">Not scanned yet.</p>`
      : html`<p id="scan-status">${scanned.length} of ${images.length} images scanned${latest ? html`, latest on ${date(latest)}` : ''}:
        ${totals.critical} critical, ${totals.high} high, ${totals.medium} medium, ${totals.low} low findings.</p>
  <div class="sevbar" id="severity-bar" role="img" aria-label="Findings by severity: ${label}">${
    all === 0
      ? html`<span class="w20 sev-none"></span>`
      : SEVERITIES_HIGHEST_FIRST.filter((s) => totals[s] > 0).map(
          (s) => html`<span class="w${step(totals[s])} sev-${s}" title="${totals[s]} ${s}"></span>`,
        )
  }</div>
  <ul class="sevlegend" aria-hidden="true">${SEVERITIES_HIGHEST_FIRST.filter((s) => totals[s] > 0).map(
    (s) => html`<li><span class="dot sev-${s}"></span>${totals[s]} ${s}</li>`,
  )}</ul>`
  }
  ${
    unscanned.length > 0
      ? html`<ul class="small" id="not-scanned">${unscanned.map(
          (r) =>
            html`<li><code>${r.region}</code> ${r.architecture}: ${
              r.scan?.reason ?? 'not scanned yet (a scan is queued after publishing)'
            }</li>`,
        )}</ul>`
      : ''
  }`;
}

/** The banner a rescan's new critical or high finding puts on the listing. */
export function scanAlertBanner(detail: ListingDetail): SafeHtml | null {
  const a = detail.scan_alert;
  if (!a) return null;
  return html`<div class="notice bad" role="note" id="scan-alert"><p><strong>New ${a.severity} finding since ${date(a.since)}.</strong>
  A rescan found ${a.vulnerability_ids.length > 0 ? a.vulnerability_ids.join(', ') : 'a vulnerability'} that the previous scan did not have. The mark stays until the publisher publishes a new version or acknowledges it.</p></div>`;
}

/** The findings table of the current version, with a severity filter (links, no script needed). */
export function findingsSection(detail: ListingDetail, version: VersionDetail, view: FindingsView): SafeHtml {
  const path = listingPath(detail.owner, detail.name);
  const filters = [undefined, ...SEVERITIES_HIGHEST_FIRST].map((s) => {
    const current = s === view.severity;
    const text = s ?? 'all';
    return html`<li>${
      current
        ? html`<strong aria-current="true">${text}</strong>`
        : html`<a href="${href(path, { severity: s })}#findings">${text}</a>`
    }</li>`;
  });
  const rows = view.page.items;
  return html`<section aria-labelledby="findings-h" id="findings">
  <h2 id="findings-h">Vulnerability findings of v${version.version}</h2>
  <nav aria-label="Filter findings by severity"><ul class="filters">${filters}</ul></nav>
  ${
    rows.length === 0
      ? html`<p id="no-findings">${
          !version.regions.some((r) => r.scan?.status === 'complete')
            ? 'Not scanned yet: there are no findings to show (see Security scan for why).'
            : view.severity
              ? `No ${view.severity} findings.`
              : 'No findings in the latest scans.'
        }</p>`
      : html`<div class="table-wrap"><table id="findings-table">
  <caption class="sr-only">Findings of the latest scans, most severe first</caption>
  <thead><tr><th scope="col">Severity</th><th scope="col">Vulnerability</th><th scope="col">Package</th><th scope="col">Installed</th><th scope="col">Fixed in</th><th scope="col">Region</th></tr></thead>
  <tbody>${rows.map(
    (f) => html`<tr class="${f.accepted ? 'accepted' : ''}">
    <td>${badge(SEVERITY_BADGE[f.severity], f.severity)}${
      f.accepted
        ? html` ${badge('ok', 'accepted', `${f.accepted.reason} (${f.accepted.by}, until ${f.accepted.expires_at.slice(0, 10)})`)}`
        : ''
    }</td>
    <td><a href="${f.url}" rel="noopener noreferrer">${f.vulnerability_id}</a><br><span class="small">${f.title}</span>${
      f.accepted
        ? html`<br><span class="small accepted-note">Accepted ${f.accepted.scope === 'registry' ? 'for the whole registry' : 'for this listing'} by ${f.accepted.by} until ${date(f.accepted.expires_at)}: ${f.accepted.reason}</span>`
        : ''
    }</td>
    <td>${f.package_name ?? '—'}</td>
    <td>${f.installed_version ?? '—'}</td>
    <td>${f.fixed_version ?? (f.fix_available ? 'yes' : 'no fix yet')}</td>
    <td><code>${f.region}</code></td>
  </tr>`,
  )}</tbody>
</table></div>`
  }
  ${
    view.page.next_cursor
      ? html`<p class="small">Showing the first ${rows.length}. All of them: <code>cws ami findings ${detail.ref} --version ${version.version}</code></p>`
      : ''
  }
</section>`;
}
