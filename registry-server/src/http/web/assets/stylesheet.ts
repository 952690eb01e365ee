/**
 * The one stylesheet. Kept as a string module so the server needs no copy step after tsc;
 * served from /assets/style.<hash>.css with a year-long immutable cache.
 * No inline styles anywhere: the CSP allows only this file.
 */

// Histogram bar widths in 5% steps (classes instead of style attributes, which the CSP forbids).
const widths = Array.from({ length: 21 }, (_, i) => `.w${i}{width:${i * 5}%}`).join('');

// Star fill for the rating control: the chosen star and every one before it.
const fills = [1, 2, 3, 4, 5]
  .map((n) => `.rate-input:has(input[value="${n}"]:checked) label:nth-of-type(-n+${n}) .star`)
  .join(',');

export const STYLESHEET = `
:root{color-scheme:light dark;--bg:#f6f7f9;--fg:#1b1f24;--muted:#56606b;--card:#fff;--border:#d9dee4;--border-strong:#8a94a0;
--accent:#0a58a8;--accent-fg:#fff;--code:#eef1f4;--star:#b26b00;--ok-bg:#dcf2e4;--ok-fg:#0c5128;--warn-bg:#fff0c7;--warn-fg:#5c4000;
--bad-bg:#fde0e0;--bad-fg:#7f1717;--info-bg:#e3eefb;--info-fg:#0b3f75;--radius:.5rem}
@media (prefers-color-scheme:dark){:root{--bg:#101317;--fg:#e5e8ec;--muted:#a2abb6;--card:#181d23;--border:#2b333c;
--border-strong:#6b7682;--accent:#72b4ff;--accent-fg:#06121f;--code:#222932;--star:#ffc24d;--ok-bg:#123322;--ok-fg:#93e2b0;
--warn-bg:#3a2e08;--warn-fg:#ffd66e;--bad-bg:#3e1616;--bad-fg:#ffa3a3;--info-bg:#13273f;--info-fg:#a8cffc}}
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
a{color:var(--accent);text-underline-offset:.15em}
a:hover{text-decoration-thickness:2px}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
h1,h2,h3{line-height:1.25;margin:0 0 .5rem}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:1.75rem}h3{font-size:1rem}
p{margin:.4rem 0 .8rem}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
code{background:var(--code);padding:.1em .35em;border-radius:.25rem}
pre{background:var(--code);padding:.75rem;border-radius:var(--radius);overflow-x:auto;white-space:pre-wrap;overflow-wrap:normal}
pre code{background:none;padding:0;font-size:1em}
.wrap{max-width:72rem;margin:0 auto;padding:0 1rem}
.skip{position:absolute;left:-9999px;top:.5rem;background:var(--card);padding:.5rem 1rem;z-index:9}
.skip:focus{left:1rem}
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
.site{background:var(--card);border-bottom:1px solid var(--border)}
.site .wrap{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.25rem;min-height:3.5rem}
.brand{font-weight:700;font-size:1.1rem;color:var(--fg);text-decoration:none;display:flex;align-items:center;gap:.5rem}
.brand svg{flex:none}
.site nav{margin-left:auto;display:flex;flex-wrap:wrap;align-items:center;gap:.25rem 1rem}
.site nav form{margin:0}
.who{color:var(--muted)}
main{padding:1.25rem 0 3rem}
footer{border-top:1px solid var(--border);color:var(--muted);font-size:.875rem;padding:1rem 0 2rem}
.btn,.link-btn{font:inherit;cursor:pointer;border-radius:.375rem}
.btn{background:var(--accent);color:var(--accent-fg);border:1px solid var(--accent);padding:.45rem .9rem;font-weight:600}
.btn-quiet{background:transparent;color:var(--accent);border:1px solid var(--border-strong);padding:.2rem .55rem;font-size:.85rem}
.link-btn{background:none;border:0;color:var(--accent);padding:0;text-decoration:underline;text-underline-offset:.15em}
input,select,textarea{font:inherit;color:inherit;background:var(--card);border:1px solid var(--border-strong);border-radius:.375rem;padding:.45rem .6rem;max-width:100%}
textarea{width:100%;min-height:6rem;resize:vertical}
label{font-weight:600;font-size:.875rem}
.search{display:flex;gap:.5rem}
.search input{flex:1;min-width:0;font-size:1.05rem}
.filters{display:grid;grid-template-columns:repeat(auto-fill,minmax(9.5rem,1fr));gap:.6rem .75rem;margin:.9rem 0 .25rem;align-items:end}
.filters label{display:flex;flex-direction:column;gap:.2rem}
.filters label.check{flex-direction:row;align-items:center;gap:.45rem;padding-bottom:.5rem}
.filters select{width:100%;font-weight:400}
.filters .actions{display:flex;gap:.75rem;align-items:center}
.filters .btn-quiet{font-size:1rem;padding:.45rem .8rem;width:100%}
.toolbar{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:baseline;gap:.5rem;margin:1rem 0 .5rem;color:var(--muted)}
.chips{display:flex;flex-wrap:wrap;gap:.4rem;list-style:none;padding:0;margin:0}
.chips a{display:inline-block;border:1px solid var(--border-strong);border-radius:1rem;padding:.05rem .6rem;font-size:.85rem;text-decoration:none}
.results{list-style:none;margin:0;padding:0;display:grid;gap:.75rem}
.card{background:var(--card);border:1px solid var(--border);border-radius:var(--radius);padding:.9rem 1rem}
.card h2{font-size:1.05rem;margin:0;display:inline}
.card .title{display:flex;flex-wrap:wrap;align-items:center;gap:.35rem .6rem}
.card .desc{margin:.35rem 0;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden}
.meta{display:flex;flex-wrap:wrap;gap:.2rem 1rem;color:var(--muted);font-size:.875rem;margin:0;padding:0;list-style:none}
.owner{color:var(--muted);font-weight:400}
.badge{display:inline-block;font-size:.75rem;font-weight:700;border-radius:1rem;padding:.1rem .55rem;background:var(--code);color:var(--fg);white-space:nowrap}
.badge.ok{background:var(--ok-bg);color:var(--ok-fg)}
.badge.warn{background:var(--warn-bg);color:var(--warn-fg)}
.badge.bad{background:var(--bad-bg);color:var(--bad-fg)}
.badge.info{background:var(--info-bg);color:var(--info-fg)}
.stars{color:var(--star);letter-spacing:.05em}
.pager{display:flex;gap:1rem;justify-content:space-between;margin-top:1rem}
.notice{border-radius:var(--radius);padding:.75rem 1rem;margin:.75rem 0;background:var(--info-bg);color:var(--info-fg)}
.notice.bad{background:var(--bad-bg);color:var(--bad-fg)}
.notice.ok{background:var(--ok-bg);color:var(--ok-fg)}
.notice.warn{background:var(--warn-bg);color:var(--warn-fg)}
.notice p{margin:.2rem 0}
.empty{text-align:center;padding:2rem 1rem}
.listing-head{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
.listing-head h1{margin:0;word-break:break-word}
.tags{display:flex;flex-wrap:wrap;gap:.35rem;list-style:none;padding:0;margin:.5rem 0}
.layout{display:grid;gap:1.5rem}
@media (min-width:60rem){.layout{grid-template-columns:minmax(0,1fr) 21rem}.layout aside{order:2}}
aside .card{margin-bottom:1rem}
aside h2{margin-top:0}
aside h3{margin-top:1rem;margin-bottom:.25rem}
.table-wrap{overflow-x:auto;border:1px solid var(--border);border-radius:var(--radius);background:var(--card)}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.5rem .7rem;border-bottom:1px solid var(--border);vertical-align:top}
tr:last-child>*{border-bottom:0}
thead th{font-weight:600;color:var(--muted);font-size:.8rem;text-transform:uppercase;letter-spacing:.03em}
tbody th{font-weight:400;white-space:nowrap}
.ami{display:flex;flex-wrap:wrap;align-items:center;gap:.35rem}
.small{font-size:.8rem;color:var(--muted)}
.copyline{display:flex;gap:.5rem;align-items:flex-start}
.copyline pre{flex:1;margin:0;min-width:0}
.nw{white-space:nowrap}
.big{font-size:2.25rem;font-weight:700;line-height:1}
.hist{list-style:none;padding:0;margin:.75rem 0 0}
.hist li{display:grid;grid-template-columns:2.2rem 1fr 2.5rem;gap:.5rem;align-items:center;font-size:.85rem}
.bar{height:.55rem;background:var(--code);border-radius:.3rem;overflow:hidden}
.bar span{display:block;height:100%;background:var(--star)}
.sevbar{display:flex;height:.8rem;margin:.4rem 0;background:var(--code);border-radius:.3rem;overflow:hidden}
.sevbar span{display:block;height:100%;flex-shrink:1}
.sev-critical{background:#9b1c1c}.sev-high{background:#d9480f}.sev-medium{background:#d69e00}
.sev-low{background:#3b78c2}.sev-informational{background:#8894a2}.sev-none{background:#2f8f53}
.sevlegend{list-style:none;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:.3rem .8rem;font-size:.8rem}
.sevlegend .dot{display:inline-block;width:.6rem;height:.6rem;border-radius:50%;margin-right:.25rem}
.filters{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.2rem .9rem;margin:.3rem 0 .6rem}
${widths}
.versions{list-style:none;padding:0;margin:0;display:grid;gap:.75rem}
.versions details summary{cursor:pointer;color:var(--accent)}
.reviews{list-style:none;padding:0;margin:0;display:grid;gap:.75rem}
.review-text{white-space:pre-wrap;word-break:break-word;margin:.35rem 0 0}
#rate{margin-bottom:1rem}
.rate-input{border:0;padding:0;margin:0 0 .75rem;min-width:0}
.rate-input legend{font-weight:600;font-size:.875rem;padding:0;margin-bottom:.2rem}
.rate-input label{display:inline-block;cursor:pointer;font-size:1.9rem;line-height:1;padding:.1rem .15rem;border-radius:.25rem;color:var(--border-strong)}
.rate-input input{position:absolute;opacity:0;width:1px;height:1px}
.rate-input label:has(input:focus-visible){outline:3px solid var(--accent);outline-offset:1px}
${fills},.rate-input label:hover .star,.rate-input label:has(~label:hover) .star{color:var(--star)}
@supports not selector(:has(*)){.rate-input input{position:static;opacity:1;width:auto;height:auto}}
.field{margin:.5rem 0 .9rem;display:flex;flex-direction:column;gap:.25rem}
.kv{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem;margin:0}
.kv dt{color:var(--muted)}.kv dd{margin:0}
@media (max-width:40rem){h1{font-size:1.35rem}.big{font-size:1.9rem}.site .wrap{padding-top:.4rem;padding-bottom:.4rem}
.site nav{margin-left:0;width:100%}.search .btn{padding:.45rem .7rem}}
`.replace(/\n/g, '');
