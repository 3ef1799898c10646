// What to read before the meeting (issue 17, "artikler"): up to three texts or links from the
// programme or given when the session was created (`session.articles`: [{title, url?, text?}]).
// Shown on the phones' first step ("Til forberedelse") and in the console's invitation. A link
// is a plain link: nothing is fetched from it, and following it is the reader's choice.
//
// Stable ids and test ids: section#articles, #articles-list li[data-testid=article] (a.article-link).

import { el, setText, t, ui } from './common.js';

/** The session's articles, or []. */
export function articlesOf(session) {
  return Array.isArray(session?.articles) ? session.articles.filter((a) => a && t(a.title)) : [];
}

/** Whether a link is one a person may follow from here: http or https. */
function webLink(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:';
  } catch {
    return false;
  }
}

/** The list in `section` (a heading and a list made here); hidden when there is nothing. */
export function articlesList(section) {
  const heading = el('h2', { class: 'articles-heading', id: 'articles-heading' });
  const list = el('ul', { class: 'articles-list', id: 'articles-list' });
  section.setAttribute('aria-labelledby', heading.id);
  section.replaceChildren(heading, list);
  let key = null;
  return {
    update(session, visible) {
      const articles = visible ? articlesOf(session) : [];
      section.hidden = articles.length === 0;
      const next = JSON.stringify([ui('articles_heading'), articles]);
      if (next === key) return;
      key = next;
      setText(heading, ui('articles_heading'));
      list.replaceChildren(...articles.map((a) => el('li', { class: 'article', 'data-testid': 'article' },
        a.url && webLink(a.url)
          ? el('a', { class: 'article-link', href: a.url, target: '_blank', rel: 'noopener noreferrer', text: t(a.title) })
          : el('strong', { class: 'article-title', text: t(a.title) }),
        t(a.text) ? el('p', { class: 'article-text small', text: t(a.text) }) : null)));
    },
  };
}

/** The articles as the end of an invitation's text: a heading, then title, link and text. */
export function articlesText(session) {
  const articles = articlesOf(session);
  if (articles.length === 0) return '';
  const lines = ['', '', ui('articles_invitation')];
  for (const a of articles) {
    lines.push(`– ${t(a.title)}`);
    if (a.url) lines.push(`  ${a.url}`);
    if (t(a.text)) lines.push(`  ${t(a.text).replace(/\n/g, '\n  ')}`);
  }
  return lines.join('\n');
}
