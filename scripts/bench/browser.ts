// A tiny browser over real HTTP for the benchmark: keeps the session cookie, reads the CSRF token
// from the last HTML page and posts url-encoded forms. Redirects are not followed, so the caller
// sees (and checks) the 303s the app answers with.

export interface Page {
  status: number
  location: string | null
  body: string
}

export class Browser {
  readonly baseUrl: string
  private readonly cookies = new Map<string, string>()
  private csrfToken = ''

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl
  }

  /** The Cookie header a logged-in browser sends; the load generator reuses it. */
  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }

  private remember(response: Response, body: string): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';')
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      const expired = value === '' || attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))
      if (expired) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(body)
    if (token) this.csrfToken = token[1]
  }

  private async send(method: 'GET' | 'POST', path: string, form?: URLSearchParams): Promise<Page> {
    const response = await fetch(this.baseUrl + path, {
      method,
      redirect: 'manual',
      headers: {
        cookie: this.cookieHeader(),
        ...(form === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' })
      },
      body: form?.toString()
    })
    const body = await response.text()
    this.remember(response, body)
    return { status: response.status, location: response.headers.get('location'), body }
  }

  async get(path: string): Promise<Page> {
    return await this.send('GET', path)
  }

  /** Posts a form with the CSRF token of the last page, as the page's own form would. */
  async post(path: string, fields: Record<string, string | string[]>): Promise<Page> {
    const form = new URLSearchParams()
    form.append('_csrf', this.csrfToken)
    for (const [name, value] of Object.entries(fields)) {
      for (const item of Array.isArray(value) ? value : [value]) form.append(name, item)
    }
    return await this.send('POST', path, form)
  }

  /** GET the page with the form, then POST it; throws unless the app answers 303. */
  async submit(pagePath: string, actionPath: string, fields: Record<string, string | string[]>): Promise<Page> {
    const page = await this.get(pagePath)
    if (page.status !== 200) throw new Error(`GET ${pagePath}: ${page.status}`)
    const answer = await this.post(actionPath, fields)
    if (answer.status !== 303) throw new Error(`POST ${actionPath}: ${answer.status}\n${answer.body.slice(0, 2000)}`)
    return answer
  }
}
