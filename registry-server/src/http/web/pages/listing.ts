import type { ListingDetail, RegionImage, Review, ReviewPage, VersionDetail } from '@cws/shared';
import type { WebSession } from '../../../services/sessions.js';
import { badge, copyButton, count, counted, csrfField, date, ratingLine, stars, verifiedBadge } from '../components.js';
import { type Child, href, html, listingPath, type SafeHtml } from '../html.js';
import type { Page } from '../layout.js';
import { type FindingsView, findingsSection, scanAlertBanner, scanSummary } from './listing-scan.js';

export interface ListingView {
  detail: ListingDetail;
  reviews: ReviewPage;
  /** The cursor this page of reviews was asked with (none: the newest). */
  reviewsCursor: string | undefined;
  session: WebSession | null;
  mine: { rating: number; review: string | null } | null;
  /** Set after a successful rating (redirect with ?rated=1). */
  rated: boolean;
  /** This registry's address, for the `cws registry add` line. */
  registryUrl: string;
  /** A rating form that failed validation: the message and what was typed. */
  formError?: { message: string; rating?: number; review?: string };
  /** The current version's findings (first page). */
  findings?: FindingsView | undefined;
}

/** The version people get: the newest that is not revoked (else the newest, to explain why not). */
export function currentVersion(detail: ListingDetail): VersionDetail | undefined {
  return detail.versions.find((v) => v.status !== 'revoked') ?? detail.versions[0];
}

function statusBadge(v: VersionDetail): SafeHtml {
  if (v.status === 'revoked') return badge('bad', 'Revoked', v.status_reason ?? undefined);
  if (v.status === 'deprecated') return badge('warn', 'Deprecated', v.status_reason ?? undefined);
  return badge('ok', 'Active');
}

function imageCell(image: RegionImage | undefined, region: string): SafeHtml {
  if (!image) return html`<td><span class="small">—</span></td>`;
  const v = image.verification;
  const verification =
    v.status === 'verified'
      ? 'verified'
      : v.status === 'failed'
        ? `verification failed: ${v.reason ?? ''}`
        : 'unverified';
  const owner = image.owner_checked ? '' : ' · owner not checked';
  return html`<td><div class="ami"><code>${image.ami_id}</code>${copyButton(image.ami_id, `${image.ami_id} (${region}, ${image.architecture})`)}</div>
    <span class="small">${image.state} · ${verification}${owner} · ${image.scan ? `scan: ${image.scan.highest ?? 'no findings'}` : 'not scanned yet'}</span></td>`;
}

/** Region × architecture table of EC2 image ids. */
export function imagesTable(version: VersionDetail, caption: string): SafeHtml {
  const archs = [...new Set(version.regions.map((r) => r.architecture))].sort();
  const regions = [...new Set(version.regions.map((r) => r.region))].sort();
  if (regions.length === 0) return html`<p>No images in this version.</p>`;
  return html`<div class="table-wrap"><table>
  <caption class="sr-only">${caption}</caption>
  <thead><tr><th scope="col">Region</th>${archs.map((a) => html`<th scope="col">${a}</th>`)}</tr></thead>
  <tbody>${regions.map(
    (region) =>
      html`<tr><th scope="row"><code>${region}</code></th>${archs.map((a) =>
        imageCell(
          version.regions.find((r) => r.region === region && r.architecture === a),
          region,
        ),
      )}</tr>`,
  )}</tbody>
</table></div>`;
}

function launchBox(detail: ListingDetail, version: VersionDetail | undefined, registryUrl: string): SafeHtml {
  const image = version?.regions.find((r) => r.region === 'us-east-1') ?? version?.regions[0];
  const region = image?.region ?? 'us-east-1';
  const arch = image && image.architecture !== 'x86_64' ? ` --architecture ${image.architecture}` : '';
  const carries = detail.versions.some((v) => v.has_template && v.status !== 'revoked');
  const add = `cws registry add community ${registryUrl}`;
  const launchOnly = `cws launch ${detail.template} my-workspace --region ${region}${arch}`;
  const launch = carries ? `cws template fetch ${detail.ref} && ${launchOnly}` : launchOnly;
  const resolve = `cws ami resolve ${detail.template} --region ${region}${arch} --explain`;
  // Break command lines only between words: "us-east-1" split at a hyphen reads as two arguments.
  const words = (line: string) => line.split(' ').map((w, i) => html`${i > 0 ? ' ' : ''}<span class="nw">${w}</span>`);
  const line = (text: string, what: string, id: string) =>
    html`<div class="copyline" id="${id}"><pre><code>${words(text)}</code></pre>${copyButton(text, what)}</div>`;
  return html`<section class="card" aria-labelledby="launch-h">
  <h2 id="launch-h">Launch it</h2>
  <p class="small">New to cws on this registry? Add it once:</p>
  ${line(add, 'the registry add command', 'registry-line')}
  ${
    carries
      ? html`<p class="small">Get the <code>${detail.template}</code> template this image was built from (cws shows what it installs and asks first), then launch: cws picks the best image for it in your region from your registries.</p>`
      : html`<p class="small">This listing was published without its template: you need a template named <code>${detail.template}</code> (see <code>cws templates</code>). cws picks the best image for it in your region from your registries:</p>`
  }
  ${line(launch, 'the launch command', 'launch-line')}
  <p class="small">See which image it chooses, and why:</p>
  ${line(resolve, 'the resolve command', 'resolve-line')}
</section>`;
}

function ratingSummary(detail: ListingDetail): SafeHtml {
  const { average, count: n, histogram, launched_count: launched } = detail.ratings;
  const rows = ([5, 4, 3, 2, 1] as const).map((star) => {
    const k = histogram[star];
    const step = n === 0 ? 0 : Math.round((k / n) * 20);
    return html`<li><span>${star}★</span><span class="bar" aria-hidden="true"><span class="w${step}"></span></span><span>${count(k)}</span></li>`;
  });
  return html`<section class="card" aria-labelledby="ratings-h">
  <h2 id="ratings-h">Ratings</h2>
  ${
    n === 0
      ? html`<p>Not rated yet.</p>`
      : html`<p><span class="big" id="average">${average.toFixed(1)}</span> ${stars(average)}
      out of 5<br><span id="rating-count">${counted(n, 'rating')}</span>
      <br><span class="small" id="launched-count">${count(launched)} from people who launched it</span></p>
  <ul class="hist" aria-label="Ratings by stars">${rows}</ul>`
  }
</section>`;
}

function trustBox(version: VersionDetail | undefined): SafeHtml {
  const images = version?.regions ?? [];
  const verified = images.filter((r) => r.verification.status === 'verified').length;
  const failed = images.filter((r) => r.verification.status === 'failed');
  return html`<section class="card" aria-labelledby="trust-h">
  <h2 id="trust-h">Verification and security</h2>
  <h3>Verification</h3>
  ${
    images.length === 0
      ? html`<p>No images to verify.</p>`
      : verified === images.length
        ? html`<p>${badge('ok', '✓ Verified')} All ${images.length} images exist, are owned by the publisher's proven AWS account and are launchable.</p>`
        : html`<p>${verified} of ${images.length} images verified.${
            failed.length > 0 ? html` ${badge('bad', `${failed.length} failed`)}` : ''
          } ${verified === 0 ? 'Not verified yet: the registry has not checked these images in EC2.' : ''}</p>`
  }
  ${scanSummary(version)}
  ${insideChecks(version)}
</section>`;
}

/** Publisher-reported checks of the image's contents: the registry shows them, it cannot run them. */
function insideChecks(version: VersionDetail | undefined): SafeHtml {
  const t = version?.test_report;
  const h = version?.hygiene;
  const reported = html`<span class="small">(reported by the publisher)</span>`;
  return html`<h3>Validation tests</h3>
  <p id="tests-status">${
    !t
      ? 'No test report.'
      : t.passed
        ? html`${badge('ok', '✓')} Validation tests passed on ${date(t.tested_at)} (${t.total} tests, ${t.region}) ${reported}`
        : html`${badge('bad', 'Failed')} ${t.total - t.passed_count} of ${t.total} validation tests failed on ${date(t.tested_at)}: ${t.tests
            .filter((x) => !x.passed)
            .map((x) => x.name)
            .join(', ')} ${reported}`
  }</p>
  <h3>Image hygiene</h3>
  <p id="hygiene-status">${
    !h
      ? 'Not checked at publish.'
      : h.status === 'passed'
        ? html`${badge('ok', '✓')} No keys, credentials or histories found${h.checked_at ? html` on ${date(h.checked_at)}` : ''} ${reported}`
        : h.status === 'skipped'
          ? html`${badge('warn', 'Skipped')} The publisher skipped the hygiene check.`
          : html`${badge('warn', 'Risk accepted')} Published with ${h.findings.length} hygiene findings (${[...new Set(h.findings.map((f) => f.check))].join(', ')}): ${h.accepted_reason ?? ''} ${reported}`
  }</p>`;
}

function reviewItem(r: Review): SafeHtml {
  const edited = r.updated_at !== r.created_at;
  return html`<li class="card">
  <div class="title"><strong>${r.user}</strong> ${stars(r.rating)}<span class="sr-only">${r.rating} out of 5</span>
    ${r.launched ? badge('ok', 'launched it', 'their proven AWS account launched this image') : ''}
    <span class="small">${date(r.updated_at)}${edited ? ' (edited)' : ''}</span></div>
  ${r.review ? html`<p class="review-text">${r.review}</p>` : ''}
</li>`;
}

function rateForm(v: ListingView): SafeHtml {
  const { detail, session, mine, formError } = v;
  const path = listingPath(detail.owner, detail.name);
  if (!session) {
    return html`<p class="notice"><a href="/login">Sign in</a> to rate this image and write a review.</p>`;
  }
  if (!session.principal.scopes.includes('rate')) {
    return html`<p class="notice warn">Your sign-in cannot rate: the token you signed in with lacks the <code>rate</code> scope.</p>`;
  }
  const handle = session.principal.handle;
  if (detail.owner === handle || detail.versions.some((ver) => ver.created_by === handle)) {
    return html`<p class="notice">You publish this image, so you cannot rate it: ratings come from the people who use it.</p>`;
  }
  const chosen = formError?.rating ?? mine?.rating;
  const text = formError?.review ?? mine?.review ?? '';
  const radios = [1, 2, 3, 4, 5].map(
    (n) =>
      html`<label><input type="radio" name="rating" value="${n}" required${chosen === n ? html` checked` : ''}><span class="star" aria-hidden="true">★</span><span class="sr-only">${n} ${n === 1 ? 'star' : 'stars'}</span></label>`,
  );
  return html`<form class="card" method="post" action="${path}/rating" id="rate">
  ${csrfField(session)}
  <h3>${mine ? 'Edit your rating' : 'Rate this image'}</h3>
  ${formError ? html`<p class="notice bad" role="alert">${formError.message}</p>` : ''}
  <fieldset class="rate-input"><legend>Your rating</legend>${radios}</fieldset>
  <div class="field"><label for="review">Review <span class="small">(optional, up to 5000 characters)</span></label>
    <textarea id="review" name="review" maxlength="5000">${text}</textarea></div>
  <button class="btn" type="submit">${mine ? 'Update rating' : 'Save rating'}</button>
</form>`;
}

function versionItem(v: VersionDetail, current: boolean, channels: Record<string, string>): SafeHtml {
  const mine = Object.keys(channels).filter((c) => channels[c] === v.version);
  return html`<li class="card">
  <div class="title"><h3>v${v.version}</h3> ${statusBadge(v)} ${current ? badge('info', 'Current') : ''}
    ${mine.map((c) => badge('plain', `channel ${c}`, `cws ami resolve --channel ${c} takes this version`))}
    <span class="small">${date(v.created_at)} by ${v.created_by} · ${counted(v.download_count, 'download')} · ${counted(v.launch_count, 'launch', 'launches')} · ${counted(v.regions.length, 'image')}</span></div>
  ${v.lineage.revoked_ancestor ? html`<p class="notice bad">${v.lineage.revoked_ancestor.message}</p>` : v.lineage.parent ? html`<p class="small">Built on ${v.lineage.parent.listing}@${v.lineage.parent.version}</p>` : ''}
  ${v.status_reason ? html`<p><strong>${v.status === 'revoked' ? 'Revoked' : 'Deprecated'}:</strong> ${v.status_reason}</p>` : ''}
  ${v.changelog ? html`<pre>${v.changelog}</pre>` : html`<p class="small">No changelog.</p>`}
  ${current ? '' : html`<details><summary>Images of v${v.version}</summary>${imagesTable(v, `Images of version ${v.version}`)}</details>`}
</li>`;
}

export function listingPage(v: ListingView): Page {
  const { detail } = v;
  const version = currentVersion(detail);
  const path = listingPath(detail.owner, detail.name);
  const allRevoked = detail.versions.length > 0 && detail.versions.every((x) => x.status === 'revoked');
  const banners: Child[] = [];
  if (allRevoked) {
    banners.push(
      html`<div class="notice bad" role="note"><p><strong>Revoked.</strong> Every version of this image was revoked${
        detail.versions[0]?.status_reason ? html`: ${detail.versions[0].status_reason}` : ''
      }. cws will not launch it.</p></div>`,
    );
  }
  const alert = scanAlertBanner(detail);
  if (alert) banners.push(alert);
  const ancestor = version?.lineage.revoked_ancestor;
  if (ancestor) {
    banners.push(
      html`<div class="notice bad" role="note" id="lineage"><p><strong>Built on a revoked image.</strong> ${ancestor.message}</p></div>`,
    );
  }
  if (!allRevoked && version?.status === 'deprecated') {
    banners.push(
      html`<div class="notice warn" role="note"><p><strong>Deprecated.</strong> ${
        version.status_reason ?? 'The publisher recommends another image.'
      }</p></div>`,
    );
  }
  if (detail.origin) {
    banners.push(
      html`<div class="notice" role="note" id="mirrored-from"><p>Mirrored from <strong>${detail.origin}</strong>: versions, verification and scans are as that registry reports them.</p></div>`,
    );
  }
  if (detail.visibility === 'org' || detail.visibility === 'private') {
    banners.push(
      html`<div class="notice" role="note" id="visibility-note"><p>${
        detail.visibility === 'org'
          ? html`Visible only to members of <strong>${detail.owner}</strong>.`
          : 'Private: visible only to its publisher and the organisation’s admins.'
      }</p></div>`,
    );
  }
  const olderLink = v.reviews.next_cursor ? href(path, { reviews: v.reviews.next_cursor }) : null;
  return {
    title: detail.ref,
    description:
      detail.description.slice(0, 200) || `${detail.ref}: a machine image for the ${detail.template} template`,
    main: html`<div class="listing-head">
  <h1><span class="owner">${detail.owner}/</span>${detail.name}</h1>
  ${verifiedBadge(detail.verified)}
  ${allRevoked ? badge('bad', 'Revoked') : version?.status === 'deprecated' ? badge('warn', 'Deprecated') : ''}
  ${detail.visibility !== 'public' ? badge('warn', detail.visibility) : ''}
</div>
${banners}
<p>${detail.description || 'No description.'}</p>
<ul class="meta">
  <li>Template ${badge('info', detail.template)}</li>
  ${detail.category ? html`<li>Category <a href="${href('/', { category: detail.category })}">${detail.category}</a></li>` : ''}
  <li>${ratingLine(detail.rating)}</li>
  <li id="downloads">${counted(detail.download_count, 'download')}</li>
  <li id="launches">${counted(detail.launch_count, 'launch', 'launches')}</li>
  ${version ? html`<li>v${version.version}</li>` : ''}
  <li>updated ${date(detail.updated_at)}</li>
</ul>
${detail.tags.length > 0 ? html`<ul class="tags" aria-label="Tags">${detail.tags.map((t) => html`<li>${badge('plain', t)}</li>`)}</ul>` : ''}
${v.rated ? html`<div class="notice ok" role="status"><p>Thanks: your rating is saved.</p></div>` : ''}
<div class="layout">
<aside>
${launchBox(detail, version, v.registryUrl)}
${ratingSummary(detail)}
${trustBox(version)}
</aside>
<div>
<section aria-labelledby="images-h">
  <h2 id="images-h">Images${version ? html` of v${version.version}` : ''}</h2>
  ${version ? imagesTable(version, `EC2 image ids of version ${version.version} by region and architecture`) : html`<p>No versions.</p>`}
</section>
${version && v.findings ? findingsSection(detail, version, v.findings) : ''}
<section aria-labelledby="versions-h">
  <h2 id="versions-h">Versions</h2>
  <ol class="versions">${detail.versions.map((x) => versionItem(x, x === version, detail.channels))}</ol>
</section>
<section aria-labelledby="reviews-h" id="reviews">
  <h2 id="reviews-h">Reviews</h2>
  ${rateForm(v)}
  ${
    v.reviews.items.length === 0
      ? html`<p>No reviews yet.</p>`
      : html`<ol class="reviews" aria-label="Reviews">${v.reviews.items.map(reviewItem)}</ol>`
  }
  ${
    olderLink || v.reviewsCursor
      ? html`<nav class="pager" aria-label="Review pages">
    ${v.reviewsCursor ? html`<a href="${path}#reviews">← Newest reviews</a>` : html`<span></span>`}
    ${olderLink ? html`<a href="${olderLink}#reviews" rel="next">Older reviews →</a>` : ''}
  </nav>`
      : ''
  }
</section>
</div>
</div>`,
  };
}
