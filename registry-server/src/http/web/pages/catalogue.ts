import type { ListingSummary, SearchResult } from '@cws/shared';
import type { Facets } from '../../../services/catalogue.js';
import { badge, counted, date, option, ratingLine, verifiedBadge } from '../components.js';
import { type Child, href, html, listingPath, type SafeHtml } from '../html.js';
import type { Page } from '../layout.js';
import type { CatalogueForm, CatalogueParam } from '../query.js';

const SORT_LABELS: Array<[string, string]> = [
  ['relevance', 'Best match'],
  ['rating', 'Top rated'],
  ['downloads', 'Most downloaded'],
  ['recent', 'Recently updated'],
  ['name', 'Name'],
];

const FILTER_LABELS: Record<string, string> = {
  template: 'Template',
  category: 'Category',
  region: 'Region',
  architecture: 'Architecture',
  verified: 'Verified only',
  min_rating: 'Rating',
};

/** What the search service sorts by when the URL says nothing. */
function defaultSort(form: CatalogueForm): string {
  return form.q ? 'relevance' : 'rating';
}

function select(name: CatalogueParam, text: string, values: string[], form: CatalogueForm, any: string): SafeHtml {
  const current = form[name];
  const choices = current && !values.includes(current) ? [current, ...values] : values;
  return html`<label>${text}
    <select name="${name}">${option('', any, current)}${choices.map((v) => option(v, v, current))}</select></label>`;
}

/** The search box, facets and sort: a plain GET form, so every state of the page is a URL. */
export function searchForm(form: CatalogueForm, facets: Facets, action = '/'): SafeHtml {
  // The empty choice is the default (best match with words, else top rated): a search typed
  // later then sorts by relevance instead of inheriting "top rated" from the first page.
  const fallback = defaultSort(form);
  const sorts = SORT_LABELS.filter(([v]) => (v !== 'relevance' || form.q) && (v !== fallback || form.sort === v));
  const fallbackLabel = SORT_LABELS.find(([v]) => v === fallback)![1];
  return html`<form class="catalogue-form" method="get" action="${action}" role="search" data-compact>
  <div class="search">
    <label class="sr-only" for="q">Search images</label>
    <input id="q" name="q" type="search" value="${form.q ?? ''}" maxlength="200"
      placeholder="Search: pytorch, rstudio, genomics…" autocomplete="off">
    <button class="btn" type="submit">Search</button>
  </div>
  <div class="filters">
    ${select('template', 'Template', facets.templates, form, 'Any template')}
    ${select('category', 'Category', facets.categories, form, 'Any category')}
    ${select('region', 'Region', facets.regions, form, 'Any region')}
    ${select('architecture', 'Architecture', facets.architectures, form, 'Any')}
    <label>Minimum rating
      <select name="min_rating">${option('', 'Any rating', form.min_rating)}${[4, 3, 2, 1].map((n) =>
        option(String(n), `${n}★ and up`, form.min_rating),
      )}</select></label>
    <label>Sort by
      <select name="sort">${option('', fallbackLabel, form.sort)}${sorts.map(([v, l]) => option(v, l, form.sort))}</select></label>
    <label class="check"><input type="checkbox" name="verified" value="true"${form.verified === 'true' ? html` checked` : ''}> Verified only</label>
    <div class="actions"><button class="btn-quiet" type="submit">Apply filters</button></div>
  </div>
</form>`;
}

function sortLabel(form: CatalogueForm): string {
  const sort = form.sort ?? defaultSort(form);
  return `Sorted by ${(SORT_LABELS.find(([v]) => v === sort)?.[1] ?? sort).toLowerCase()}`;
}

function card(item: ListingSummary): SafeHtml {
  const meta: Child[] = [
    html`<li>${ratingLine(item.rating)}</li>`,
    // Launches only once there are some: cards stay short.
    html`<li>${counted(item.download_count, 'download')}${item.launch_count > 0 ? ` · ${counted(item.launch_count, 'launch', 'launches')}` : ''}</li>`,
    item.latest_version ? html`<li>v${item.latest_version}</li>` : null,
    item.regions.length > 0
      ? html`<li>${item.regions.length === 1 ? item.regions[0] : `${item.regions.length} regions`} ·
          ${item.architectures.join(', ')}</li>`
      : html`<li>no live images</li>`,
    html`<li>updated ${date(item.updated_at)}</li>`,
  ];
  return html`<li class="card">
  <div class="title">
    <h2><a href="${listingPath(item.owner, item.name)}"><span class="owner">${item.owner}/</span>${item.name}</a></h2>
    ${item.verified ? verifiedBadge(true) : ''} ${badge('info', item.template, 'Template')}
    ${item.category ? badge('plain', item.category, 'Category') : ''}
    ${item.visibility !== 'public' ? badge('warn', item.visibility) : ''}
  </div>
  <p class="desc">${item.description || 'No description.'}</p>
  <ul class="meta">${meta}</ul>
</li>`;
}

/** Links that each drop one active filter. */
function activeFilters(form: CatalogueForm, path: string): SafeHtml {
  const active = (Object.keys(FILTER_LABELS) as CatalogueParam[]).filter((k) => form[k]);
  if (active.length === 0) return html``;
  const base = { ...form, cursor: undefined };
  return html`<ul class="chips" aria-label="Active filters">${active.map((k) => {
    const rest = { ...base, [k]: undefined };
    const text = k === 'verified' ? 'Verified only' : k === 'min_rating' ? `${form[k]}★ and up` : form[k]!;
    return html`<li><a href="${href(path, rest)}" aria-label="Remove filter ${FILTER_LABELS[k]}: ${text}">${FILTER_LABELS[k]}: ${text} ✕</a></li>`;
  })}</ul>`;
}

export function resultsList(result: SearchResult, form: CatalogueForm, path: string, empty: SafeHtml): SafeHtml {
  const next = result.next_cursor ? href(path, { ...form, cursor: result.next_cursor }) : null;
  const first = form.cursor ? href(path, { ...form, cursor: undefined }) : null;
  return html`${
    result.items.length === 0
      ? html`<div class="card empty">${empty}</div>`
      : html`<ol class="results">${result.items.map(card)}</ol>`
  }
  ${
    next || first
      ? html`<nav class="pager" aria-label="Pages">
      ${first ? html`<a href="${first}">← First page</a>` : html`<span></span>`}
      ${next ? html`<a href="${next}" rel="next">Next page →</a>` : ''}
    </nav>`
      : ''
  }`;
}

/**
 * A search whose URL has a bad parameter: a 400 page saying what is wrong, with a link to the same search without
 * it (a shared link with one odd value still leads somewhere), rather than results that look like an answer.
 */
export function badSearchPage(form: CatalogueForm, errors: string[]): Page {
  const rest = href('/', { ...form, cursor: undefined });
  return {
    title: 'That search did not work',
    noindex: true,
    main: html`<h1>That search did not work</h1>
<div class="notice bad" role="alert"><p>This address asks for something the catalogue cannot do:</p>
<ul>${errors.map((e) => html`<li>${e}</li>`)}</ul></div>
<p><a href="${rest}">${Object.keys(form).length > 0 ? 'Search without the parts that did not work' : 'See every image'}</a> · <a href="/">Back to the catalogue</a></p>`,
  };
}

export function cataloguePage(input: { form: CatalogueForm; facets: Facets; result: SearchResult }): Page {
  const { form, facets, result } = input;
  const searching = Object.keys(form).some((k) => k !== 'sort' && k !== 'cursor');
  const heading = form.q ? html`Results for “${form.q}”` : searching ? html`Filtered images` : html`Community images`;
  const empty = html`<p><strong>No images match.</strong></p>
    <p>Try fewer words or filters${searching ? html`, or <a href="/">see every image</a>` : ''}.</p>`;
  return {
    title: form.q ? `“${form.q}”` : 'Catalogue',
    description: 'Browse, search and rate shared Amazon Machine Images for research environments.',
    main: html`<h1>${heading}</h1>
<p class="small">Ready-made machine images for cws templates: launch in under a minute instead of provisioning from a script.</p>
${searchForm(form, facets)}
<div class="toolbar">
  ${activeFilters(form, '/')}
  <span>${sortLabel(form)}${form.cursor ? ' · next page' : ''}</span>
</div>
${resultsList(result, form, '/', empty)}`,
  };
}
