// The Ministry of Finance's VAT white list (Wykaz podatników VAT, art. 96b of the VAT Act):
// GET {base}/api/search/nip/{nip}?date=YYYY-MM-DD, public, no account. Its answer is untrusted
// data: every field is checked before it reaches a form.
import { formatSeconds } from '../shared/duration.ts'
import { getText } from '../shared/http.ts'
import { isValidNip, normalizeNip } from '../shared/nip.ts'

type VatStatus = 'Czynny' | 'Zwolniony' | 'Niezarejestrowany'

export interface WhiteListSubject {
  name: string
  nip: string
  vatStatus: VatStatus
  /** the working address (siedziba) when given, else the residence address, split for the form */
  street: string
  postalCode: string
  city: string
  /** the address as the register wrote it */
  address: string
  bankAccounts: string[]
}

export type WhiteListLookup =
  { found: true; subject: WhiteListSubject; requestId: string; date: string } | { found: false; date: string }

export class WhiteListError extends Error {}

export interface WhiteListClientOptions {
  baseUrl: string
  fetch: typeof fetch
  timeoutMs: number
}

export interface WhiteListClient {
  /** The subject with this NIP in the register as of the date (the register keeps history). */
  lookupNip: (nip: string, date: string) => Promise<WhiteListLookup>
}

const VAT_STATUSES = new Set<string>(['Czynny', 'Zwolniony', 'Niezarejestrowany'])
// control characters would end up on invoices and in FA(3), which forbids them
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g
const MAX_NAME = 250
const MAX_ADDRESS = 300

export function createWhiteListClient(options: WhiteListClientOptions): WhiteListClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '')

  async function lookupNip(nip: string, date: string): Promise<WhiteListLookup> {
    const normalized = normalizeNip(nip)
    if (!isValidNip(normalized))
      throw new WhiteListError(
        'NIP jest nieprawidłowy (błędna cyfra kontrolna albo nie 10 cyfr) – popraw go, zanim sprawdzisz go w wykazie.'
      )
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`not a date: ${date}`)
    const answer = await getText(
      options.fetch,
      `${baseUrl}/api/search/nip/${normalized}?date=${date}`,
      options.timeoutMs
    )
    if (!answer.answered) {
      if (answer.failure === 'timeout')
        throw new WhiteListError(
          `Wykaz podatników VAT nie odpowiedział w ciągu ${formatSeconds(options.timeoutMs)} – spróbuj ponownie za chwilę albo wpisz dane ręcznie.`
        )
      throw new WhiteListError(
        'Nie udało się połączyć z Wykazem podatników VAT – sprawdź połączenie z internetem albo wpisz dane ręcznie.'
      )
    }
    const { status, body } = answer
    if (status === 400)
      throw new WhiteListError(
        `Wykaz podatników VAT odrzucił zapytanie: ${ministryMessage(body) ?? 'nieprawidłowy parametr'}.`
      )
    if (status === 429)
      throw new WhiteListError(
        'Wyczerpano dzienny limit zapytań do Wykazu podatników VAT – spróbuj jutro albo wpisz dane ręcznie.'
      )
    if (status < 200 || status >= 300)
      throw new WhiteListError(
        `Wykaz podatników VAT odpowiedział błędem (HTTP ${status}) – spróbuj ponownie później albo wpisz dane ręcznie.`
      )
    return parseAnswer(body, normalized, date)
  }

  return { lookupNip }
}

function ministryMessage(body: string): string | null {
  try {
    const parsed = JSON.parse(body) as { message?: unknown }
    return typeof parsed.message === 'string' ? clean(parsed.message).slice(0, 200) : null
  } catch {
    return null
  }
}

function clean(value: string): string {
  return value.replace(CONTROL, ' ').replace(/\s+/g, ' ').trim()
}

const UNUSABLE = 'Wykaz podatników VAT zwrócił dane, których nie da się użyć – wpisz dane ręcznie.'

function parseAnswer(body: string, nip: string, date: string): WhiteListLookup {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    throw new WhiteListError(UNUSABLE)
  }
  const result = (parsed as { result?: unknown } | null)?.result as Record<string, unknown> | undefined
  if (typeof result !== 'object' || result === null || !('subject' in result)) throw new WhiteListError(UNUSABLE)
  if (result.subject === null) return { found: false, date }
  const subject = result.subject as Record<string, unknown>
  if (typeof subject !== 'object' || Array.isArray(subject)) throw new WhiteListError(UNUSABLE)
  const name = typeof subject.name === 'string' ? clean(subject.name) : ''
  const vatStatus = typeof subject.statusVat === 'string' ? subject.statusVat : ''
  // the register answers for the asked NIP only; anything else is not this contractor
  if (name === '' || name.length > MAX_NAME || subject.nip !== nip || !VAT_STATUSES.has(vatStatus))
    throw new WhiteListError(UNUSABLE)
  const rawAddress = [subject.workingAddress, subject.residenceAddress].find(
    (a) => typeof a === 'string' && clean(a) !== ''
  ) as string | undefined
  const address = rawAddress === undefined ? '' : clean(rawAddress)
  if (address.length > MAX_ADDRESS) throw new WhiteListError(UNUSABLE)
  const accounts = Array.isArray(subject.accountNumbers)
    ? subject.accountNumbers.filter((a): a is string => typeof a === 'string' && /^\d{26}$/.test(a))
    : []
  return {
    found: true,
    subject: {
      name,
      nip,
      vatStatus: vatStatus as VatStatus,
      address,
      bankAccounts: accounts.slice(0, 50),
      ...splitAddress(address)
    },
    requestId: typeof result.requestId === 'string' ? clean(result.requestId).slice(0, 40) : '',
    date
  }
}

/**
 * "ul. Prosta 49, 00-838 Warszawa" or "PROSTA 49 00-838 WARSZAWA" → street, postal code, city;
 * an address without a Polish postal code goes whole into the street.
 */
export function splitAddress(address: string): { street: string; postalCode: string; city: string } {
  const match = /^(.*?)[,\s]+(\d{2}-\d{3})\s+(.+)$/.exec(address)
  if (match === null) return { street: address, postalCode: '', city: '' }
  return { street: match[1].replace(/[,\s]+$/, ''), postalCode: match[2], city: match[3] }
}
