// Filling a contractor from the Ministry's VAT white list: the client against the local stand-in
// over loopback HTTP (found, exempt, removed, not found, the Ministry's errors, faults, hostile
// answers) and the contractor form's "Pobierz z białej listy VAT".
import t from 'tap'
import { createWhiteListClient, splitAddress, WhiteListError } from '../../src/whitelist/whitelist.ts'
import { startWhiteListStandIn, type StandInSubject } from '../../src/simulators/whitelist/stand-in.ts'
import { build } from '../helpers/app.ts'

const ACTIVE: StandInSubject = {
  name: 'HURTOWNIA ŁÓDZKA SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ',
  nip: '6762468259',
  statusVat: 'Czynny',
  workingAddress: 'PIOTRKOWSKA 100, 90-001 ŁÓDŹ',
  residenceAddress: null,
  accountNumbers: ['61109010140000071219812874', 'not-an-account']
}
const EXEMPT: StandInSubject = {
  name: 'Jan Nowak Usługi',
  nip: '1111111111',
  statusVat: 'Zwolniony',
  workingAddress: null,
  residenceAddress: 'ul. Chmielna 85/87 00-805 Warszawa'
}
const REMOVED: StandInSubject = {
  name: 'Stara Firma Sp. z o.o.',
  nip: '5261040828',
  statusVat: 'Niezarejestrowany',
  workingAddress: 'Długa 1, 80-001 Gdańsk'
}
const NOT_LISTED = '7251801126'
const DATE = '2026-11-16'

const standIn = await startWhiteListStandIn([ACTIVE, EXEMPT, REMOVED])
t.teardown(standIn.close)
const client = createWhiteListClient({ baseUrl: standIn.baseUrl, fetch: globalThis.fetch, timeoutMs: 500 })

t.test('the client reads the register over HTTP', async (t) => {
  standIn.requests.length = 0
  const active = await client.lookupNip('676-246-82-59', DATE)
  t.same(
    standIn.requests,
    [`/api/search/nip/6762468259?date=${DATE}`],
    'one request, the NIP without dashes, the date asked'
  )
  t.match(active, {
    found: true,
    date: DATE,
    subject: {
      name: ACTIVE.name,
      nip: '6762468259',
      vatStatus: 'Czynny',
      street: 'PIOTRKOWSKA 100',
      postalCode: '90-001',
      city: 'ŁÓDŹ'
    }
  })
  t.same(
    active.found && active.subject.bankAccounts,
    ['61109010140000071219812874'],
    'only well-formed account numbers are kept'
  )

  const exempt = await client.lookupNip('1111111111', DATE)
  t.match(
    exempt,
    {
      found: true,
      subject: { vatStatus: 'Zwolniony', street: 'ul. Chmielna 85/87', postalCode: '00-805', city: 'Warszawa' }
    },
    'the residence address when there is no working address'
  )
  t.match(await client.lookupNip('PL 526-104-08-28', DATE), {
    found: true,
    subject: { vatStatus: 'Niezarejestrowany' }
  })
  t.same(await client.lookupNip(NOT_LISTED, DATE), { found: false, date: DATE })
})

t.test('a NIP with a wrong check digit is refused before any request', async (t) => {
  standIn.requests.length = 0
  await t.rejects(
    client.lookupNip('6762468258', DATE),
    new WhiteListError(
      'NIP jest nieprawidłowy (błędna cyfra kontrolna albo nie 10 cyfr) – popraw go, zanim sprawdzisz go w wykazie.'
    )
  )
  t.same(standIn.requests, [])
})

t.test('faults and hostile answers give a Polish message, never data', async (t) => {
  const cases: Array<[Parameters<typeof standIn.fault>[0], RegExp]> = [
    [{ kind: 'status', status: 500 }, /odpowiedział błędem \(HTTP 500\)/],
    [{ kind: 'status', status: 400 }, /odrzucił zapytanie: Wystąpił nieoczekiwany błąd serwera\./],
    [{ kind: 'status', status: 429 }, /dzienny limit zapytań/],
    [{ kind: 'hang' }, /nie odpowiedział w ciągu 0,5 s/],
    [{ kind: 'malformed' }, /zwrócił dane, których nie da się użyć/],
    [{ kind: 'body', body: { result: { subject: { ...ACTIVE, nip: '1111111111' } } } }, /których nie da się użyć/],
    [{ kind: 'body', body: { result: { subject: { ...ACTIVE, name: 'x'.repeat(251) } } } }, /których nie da się użyć/],
    [{ kind: 'body', body: { result: { subject: { ...ACTIVE, statusVat: 'Aktywny' } } } }, /których nie da się użyć/],
    [{ kind: 'body', body: { result: { subject: ['not', 'an', 'object'] } } }, /których nie da się użyć/],
    [{ kind: 'body', body: { wynik: null } }, /których nie da się użyć/]
  ]
  for (const [fault, message] of cases) {
    standIn.fault(fault)
    await t.rejects(client.lookupNip(ACTIVE.nip, DATE), message, JSON.stringify(fault).slice(0, 80))
  }
  standIn.fault({
    kind: 'body',
    body: { result: { subject: { ...ACTIVE, name: 'Firma\u0000<script>x</script>\u0007 Sp. z o.o.' } } }
  })
  const cleaned = await client.lookupNip(ACTIVE.nip, DATE)
  t.equal(
    cleaned.found && cleaned.subject.name,
    'Firma <script>x</script> Sp. z o.o.',
    'control characters are dropped; markup stays text, the views escape it'
  )
  standIn.fault(null)
  const unreachable = createWhiteListClient({ baseUrl: 'http://127.0.0.1:9', fetch: globalThis.fetch, timeoutMs: 2000 })
  await t.rejects(unreachable.lookupNip(ACTIVE.nip, DATE), /Nie udało się połączyć z Wykazem podatników VAT/)
})

t.test('addresses split into the form fields', async (t) => {
  t.same(splitAddress('ul/ Prosta 49 00-838 Warszawa'), {
    street: 'ul/ Prosta 49',
    postalCode: '00-838',
    city: 'Warszawa'
  })
  t.same(splitAddress('MARSZAŁKOWSKA 1/2, 00-001 WARSZAWA'), {
    street: 'MARSZAŁKOWSKA 1/2',
    postalCode: '00-001',
    city: 'WARSZAWA'
  })
  t.same(splitAddress('Nowa Wieś 12 62-090 Rokietnica'), {
    street: 'Nowa Wieś 12',
    postalCode: '62-090',
    city: 'Rokietnica'
  })
  t.same(splitAddress('Rynek 5'), { street: 'Rynek 5', postalCode: '', city: '' })
})

t.test('the contractor form fills itself from the register and saves only when asked', async (t) => {
  const { db, owner } = await build(t, { config: { WHITELIST_API_URL: standIn.baseUrl } })
  const count = async (): Promise<number> =>
    (
      await db
        .selectFrom('contractors')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n
  const form = (await owner.get('/kontrahenci/nowy')).body
  t.match(form, 'formaction="/kontrahenci/biala-lista"', 'the form offers the lookup')
  t.ok(
    form.indexOf('class="default-submit"') < form.indexOf('formaction="/kontrahenci/biala-lista"'),
    'Enter saves: the first submit button is Zapisz'
  )

  const typed = {
    name: '',
    isCompany: '',
    nip: '676-246-82-59',
    foreignTaxId: '',
    street: '',
    postalCode: '',
    city: '',
    countryCode: 'PL',
    email: 'biuro@hurtownia.pl',
    phone: ''
  }
  const filled = await owner.post('/kontrahenci/biala-lista', typed)
  t.equal(filled.statusCode, 200)
  t.match(filled.body, 'czynny podatnik VAT')
  t.match(filled.body, 'value="HURTOWNIA ŁÓDZKA SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ"')
  t.match(filled.body, 'value="PIOTRKOWSKA 100"')
  t.match(filled.body, 'value="90-001"')
  t.match(filled.body, 'value="biuro@hurtownia.pl"', 'what the user typed and the register does not know stays')
  t.match(filled.body, /name="isCompany" checked/)
  t.equal(await count(), 0, 'a lookup stores nothing')

  const saved = await owner.post('/kontrahenci', {
    ...typed,
    name: ACTIVE.name,
    isCompany: 'on',
    street: 'PIOTRKOWSKA 100',
    postalCode: '90-001',
    city: 'ŁÓDŹ'
  })
  t.equal(saved.statusCode, 303)
  const row = await db.selectFrom('contractors').selectAll().executeTakeFirstOrThrow()
  t.match(row, { name: ACTIVE.name, nip: '6762468259', city: 'ŁÓDŹ', email: 'biuro@hurtownia.pl' })

  await owner.get(`/kontrahenci/${row.id}/edycja`)
  const removed = await owner.post(`/kontrahenci/${row.id}/biala-lista`, {
    ...typed,
    nip: '5261040828',
    name: 'cokolwiek'
  })
  t.equal(removed.statusCode, 200)
  t.match(removed.body, 'niezarejestrowany jako podatnik VAT')
  t.match(removed.body, `action="/kontrahenci/${row.id}/edycja"`, 'the edit form comes back')
  t.match(
    await db.selectFrom('contractors').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow(),
    { name: ACTIVE.name, nip: '6762468259' },
    'the stored contractor is unchanged'
  )

  const notListed = await owner.post('/kontrahenci/biala-lista', { ...typed, nip: NOT_LISTED, name: 'Wpisana ręcznie' })
  t.equal(notListed.statusCode, 200)
  t.match(notListed.body, 'Podmiotu o tym NIP-ie nie ma w Wykazie podatników VAT')
  t.match(notListed.body, 'value="Wpisana ręcznie"')

  const noNip = await owner.post('/kontrahenci/biala-lista', { ...typed, nip: '' })
  t.equal(noNip.statusCode, 422)
  t.match(noNip.body, 'Wpisz NIP, aby pobrać dane z Wykazu podatników VAT.')

  standIn.fault({ kind: 'status', status: 503 })
  t.teardown(() => standIn.fault(null))
  const down = await owner.post('/kontrahenci/biala-lista', { ...typed, name: 'Moja nazwa' })
  t.equal(down.statusCode, 422)
  t.match(down.body, 'odpowiedział błędem (HTTP 503)')
  t.match(down.body, 'value="Moja nazwa"', 'the values stay')
  t.equal(await count(), 1, 'nothing stored by the failed lookups')
})
