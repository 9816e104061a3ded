/**
 * Generated parts of a docs page sit between two HTML comments, so the prose around them stays
 * hand-written and `npm run docs` rewrites only what it owns.
 */
const start = (name: string) => `<!-- generated:${name} start (npm run docs; do not edit by hand) -->`;
const end = (name: string) => `<!-- generated:${name} end -->`;

/** The page with the section `name` replaced by `body`; throws when the page lacks its markers. */
export function replaceSection(page: string, name: string, body: string): string {
  const from = page.indexOf(start(name));
  const to = page.indexOf(end(name));
  if (from === -1 || to < from) {
    throw new Error(
      `the page has no generated section "${name}"; add the lines\n${start(name)}\n${end(name)}`,
    );
  }
  return `${page.slice(0, from)}${start(name)}\n\n${body.trim()}\n\n${page.slice(to)}`;
}
