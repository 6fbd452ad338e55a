// Where a form may send the browser back to: a path of this site, never another one.

// any origin of our own: only the path, query and hash of the parsed URL are kept
const SELF = 'http://biurko.invalid'

/**
 * `path` when it is a page of this site under `within`, otherwise `fallback`. Judged by a URL
 * parser, as the browser will read it (tabs and newlines dropped, backslashes as slashes), not by
 * a pattern: `/\t/evil` is `//evil` to a browser, another site.
 */
export function safeReturnPath(path: string, within: string, fallback: string): string {
  if (!path.startsWith('/')) return fallback
  let url: URL
  try {
    url = new URL(path, SELF)
  } catch {
    return fallback
  }
  if (url.origin !== SELF) return fallback
  const inside = within === '/' || url.pathname === within || url.pathname.startsWith(within + '/')
  return inside ? url.pathname + url.search + url.hash : fallback
}
