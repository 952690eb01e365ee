import { describe, expect, it } from 'vitest';
import { escapeHtml, href, html, raw } from './html.js';

describe('html template layer', () => {
  it('escapes every interpolation', () => {
    const name = `<script>alert("x")</script>&'`;
    expect(html`<p title="${name}">${name}</p>`.value).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</p>',
    );
  });

  it('passes nested templates and raw markup through, and renders nothing for null and booleans', () => {
    const inner = html`<b>${'a<b'}</b>`;
    expect(html`<div>${inner}${raw('<hr>')}${null}${undefined}${false}${true}${0}</div>`.value).toBe(
      '<div><b>a&lt;b</b><hr>0</div>',
    );
  });

  it('renders arrays item by item, escaping each', () => {
    expect(html`<ul>${['<a>', html`<li>ok</li>`]}</ul>`.value).toBe('<ul>&lt;a&gt;<li>ok</li></ul>');
  });

  it('builds query strings without empty values', () => {
    expect(href('/', { q: 'a b&c', template: '', verified: false, min_rating: 3 })).toBe('/?q=a+b%26c&min_rating=3');
    expect(escapeHtml(href('/', { a: '1', b: '2' }))).toBe('/?a=1&amp;b=2');
  });
});
