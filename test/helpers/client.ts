import type { FastifyInstance, LightMyRequestResponse } from 'fastify'

/**
 * Talks to the app like a browser: keeps cookies, reads the CSRF token from the last page
 * and sends forms url-encoded. Redirects are not followed, so tests see the 303s.
 */
export class TestClient {
  protected readonly app: FastifyInstance
  private readonly cookies = new Map<string, string>()
  csrfToken = ''

  constructor(app: FastifyInstance) {
    this.app = app
  }

  protected remember(response: LightMyRequestResponse): void {
    for (const cookie of response.cookies) {
      if (cookie.value === '' || (cookie.maxAge !== undefined && cookie.maxAge <= 0)) this.cookies.delete(cookie.name)
      else this.cookies.set(cookie.name, cookie.value)
    }
    const match = /name="_csrf" value="([^"]+)"/.exec(response.body)
    if (match) this.csrfToken = match[1]
  }

  protected cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('; ')
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const response = await this.app.inject({ method: 'GET', url, headers: { cookie: this.cookieHeader(), ...headers } })
    this.remember(response)
    return response
  }

  /** Posts a form; the CSRF token of the last page is added unless `_csrf` is given (use null to omit it). */
  async post(
    url: string,
    fields: Record<string, string | string[] | null> = {},
    opts: { csrf?: string | null } = {}
  ): Promise<LightMyRequestResponse> {
    if (!this.csrfToken && opts.csrf === undefined) await this.get('/logowanie')
    const params = new URLSearchParams()
    const csrf = opts.csrf === undefined ? this.csrfToken : opts.csrf
    if (csrf !== null) params.append('_csrf', csrf)
    for (const [name, value] of Object.entries(fields)) {
      if (value === null) continue
      for (const v of Array.isArray(value) ? value : [value]) params.append(name, v)
    }
    const response = await this.app.inject({
      method: 'POST',
      url,
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      payload: params.toString()
    })
    this.remember(response)
    return response
  }

  /** GETs the page first (for its token), then posts, as a person filling the form would. */
  async submit(
    pageUrl: string,
    actionUrl: string,
    fields: Record<string, string | string[] | null>
  ): Promise<LightMyRequestResponse> {
    await this.get(pageUrl)
    return await this.post(actionUrl, fields)
  }

  async login(login: string, password: string): Promise<LightMyRequestResponse> {
    await this.get('/logowanie')
    const response = await this.post('/logowanie', { login, password })
    if (response.statusCode !== 303) throw new Error(`login failed: ${response.statusCode}`)
    return response
  }
}
