// Connecting the built-in KSeF simulator as a person does on a new installation: the dashboard
// asks for it, the settings page links the simulator's token page, the token is pasted in; then
// an invoice KSeF accepted keeps KSeF's number: no hand-typed number, no cancelling.
import t from 'tap'
import { runKsefRound } from '../../src/ksef/ksef-sender.ts'
import { NIP, issueAndQueue, setup } from './helpers/sim-setup.ts'

const SETTINGS = '/ustawienia/integracje/ksef'
const TOKEN_PAGE = '/symulator-ksef/demo/token'

t.test('the simulator’s token page: a token for a valid NIP, a Polish message and no token otherwise', async (t) => {
  const { built } = await setup(t, { connect: false })
  const page = await built.app.inject({ method: 'GET', url: `${TOKEN_PAGE}?nip=526-104-08-28` })
  t.equal(page.statusCode, 200)
  t.match(page.body, `value="${NIP}"`, 'the NIP from the link, digits only')
  t.equal(page.headers['cache-control'], 'no-store')

  const form = (nip: string) => ({
    method: 'POST' as const,
    url: TOKEN_PAGE,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ nip }).toString()
  })
  // (the simulator's helper pages allow 5 requests a second per address: this test makes 5)
  for (const bad of ['', '123', '<script>alert(1)</script>']) {
    const refused = await built.app.inject(form(bad))
    t.equal(refused.statusCode, 422, `“${bad}” refused`)
    t.match(refused.body, 'Wpisz NIP firmy: 10 cyfr')
    t.notMatch(refused.body, 'id="token"', 'no token')
    t.notMatch(refused.body, '<script>', 'what was typed comes back escaped')
  }
  t.equal(built.app.ksefSimulator!.stats().ksefTokens, 0, 'and the simulator holds none')
  const issued = await built.app.inject(form('526-104-08-28'))
  t.equal(issued.statusCode, 201)
  t.match(
    /<textarea id="token"[^>]*>([^<]+)<\/textarea>/.exec(issued.body)?.[1] ?? '',
    new RegExp(`\\|nip-${NIP}\\|[0-9a-f]{64}$`)
  )
  t.equal(built.app.ksefSimulator!.stats().ksefTokens, 1)
})

t.test('dashboard → settings → the token pasted → accepted; then KSeF’s number is final', async (t) => {
  const s = await setup(t, { connect: false })
  const { built } = s
  const home = await built.owner.get('/')
  t.match(home.body, 'id="ksef-niepolaczony"', 'the dashboard asks to connect KSeF')
  t.match(home.body, `href="${SETTINGS}"`)

  const settings = await built.owner.get(SETTINGS)
  const link = /<p class="hint" id="symulator-token">[^]*?href="([^"]+)"/.exec(settings.body)?.[1]
  t.equal(link, `${TOKEN_PAGE}?nip=${NIP}`, 'the settings page links the simulator’s token page for the company’s NIP')
  const issued = await built.app.inject({
    method: 'POST',
    url: TOKEN_PAGE,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `nip=${NIP}`
  })
  const token = /<textarea id="token"[^>]*>([^<]+)<\/textarea>/.exec(issued.body)?.[1] ?? ''
  const saved = await built.owner.post(SETTINGS, {
    environment: 'symulator',
    contextNip: '',
    authMethod: 'token',
    token,
    autoSend: 'on'
  })
  t.equal(saved.statusCode, 303)
  t.notMatch((await built.owner.get(SETTINGS)).body, token, 'the token is never shown back')
  t.notMatch((await built.owner.get('/')).body, 'id="ksef-niepolaczony"', 'connected: the dashboard stops asking')

  const id = await issueAndQueue(built)
  await runKsefRound(s.deps)
  const doc = await built.db
    .selectFrom('documents')
    .select(['ksef_number'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
  t.ok(doc.ksef_number?.startsWith(`${NIP}-`), 'the invoice has KSeF’s number')
  const shown = await built.owner.get(`/przychody/dokumenty/${id}`)
  t.match(shown.body, doc.ksef_number!)
  t.notMatch(shown.body, '/anulowanie"', 'no “Anuluj dokument”: an accepted invoice is only corrected')
  t.notMatch(shown.body, 'name="ksefNumber"', 'no form to type another number')
  t.match(shown.body, '/korekta"', 'the correction is offered instead')

  const typed = `${NIP}-20261116-0123456789AB-00`
  const refused = await built.owner.post(`/przychody/dokumenty/${id}/ksef`, { ksefNumber: typed })
  t.equal(refused.statusCode, 303)
  t.match(
    (await built.owner.get(`/przychody/dokumenty/${id}`)).body,
    'numer KSeF nadaje jej KSeF i nie wpisuje się go ręcznie'
  )
  const after = await built.db
    .selectFrom('documents')
    .select(['ksef_number'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
  t.equal(after.ksef_number, doc.ksef_number, 'the number KSeF gave stays, even for the owner')
  const cancel = await built.owner.get(`/przychody/dokumenty/${id}/anulowanie`)
  t.match(cancel.body, 'KSeF', 'the cancel page, reached by its address, still explains why not')
})
