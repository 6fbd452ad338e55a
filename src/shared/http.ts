// One GET of a JSON service with a timeout, for the small public-service clients (NBP, the VAT
// white list): the answer's status and text, or why there was none, for a Polish message.

export type TextAnswer =
  { answered: true; status: number; body: string } | { answered: false; failure: 'timeout' | 'network' }

export async function getText(fetchFn: typeof fetch, url: string, timeoutMs: number): Promise<TextAnswer> {
  try {
    const response = await fetchFn(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs)
    })
    return { answered: true, status: response.status, body: await response.text() }
  } catch (error) {
    const name = (error as { name?: string }).name
    return { answered: false, failure: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network' }
  }
}
