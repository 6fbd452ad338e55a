// E-mail of documents through the company's SMTP server: settings (password encrypted, never
// shown back), a hand-made invoice sent with its PDF to a real SMTP server on loopback, the
// server's refusals as Polish states, and Allegro documents kept out of e-mail.
import { simpleParser } from 'mailparser'
import t from 'tap'
import { renderTemplate, unknownPlaceholders } from '../../src/email/email.ts'
import { startSmtpStandIn } from '../../src/simulators/smtp/stand-in.ts'
import { build } from '../helpers/app.ts'
import { insertTransaction } from '../helpers/document-fixtures.ts'
import { insertShop } from '../helpers/transaction-fixtures.ts'

const LOGIN = { username: 'faktury@sklep.pl', password: 'hasło-do-poczty-7Q' }
const smtp = await startSmtpStandIn(LOGIN)
t.teardown(smtp.close)

const invoice = {
  type: 'faktura',
  contractorId: '',
  buyerName: 'Pracownia Łucka',
  buyerNip: '526-104-08-28',
  buyerStreet: 'ul. Ogrodowa 3',
  buyerPostalCode: '31-100',
  buyerCity: 'Kraków',
  buyerCountryCode: 'PL',
  issueDate: '2026-11-16',
  saleDate: '2026-11-14',
  dueDate: '2026-11-30',
  paymentMethod: 'przelew',
  notes: '',
  lineName: ['Usługa projektowa'],
  lineQuantity: ['1'],
  lineUnit: ['usł.'],
  linePrice: ['1 230,00'],
  lineVatRate: ['23'],
  action: 'issue'
}

const settings = {
  host: '127.0.0.1',
  port: String(smtp.port),
  security: 'brak',
  username: LOGIN.username,
  password: LOGIN.password,
  fromAddress: 'faktury@sklep.pl',
  fromName: 'Sklep Testowy',
  subjectTemplate: '{rodzaj} {numer} – {firma}',
  bodyTemplate: 'Dzień dobry,\nw załączniku {rodzaj} nr {numer} na kwotę {kwota}, termin płatności {termin}.\n{firma}'
}

t.test('templates name only known fields', async (t) => {
  t.equal(
    renderTemplate('{numer} za {kwota} {nieznane}', {
      rodzaj: 'Faktura',
      numer: 'FV 1/11/2026',
      kwota: '12,30 zł',
      termin: '',
      firma: 'A',
      nabywca: 'B'
    }),
    'FV 1/11/2026 za 12,30 zł {nieznane}'
  )
  t.same(unknownPlaceholders('{numer} {kwotaa} {firma} {kwotaa}'), ['kwotaa'])
})

t.test('settings: validated, the password encrypted and never shown back', async (t) => {
  const { db, owner } = await build(t)
  t.match((await owner.get('/ustawienia/e-mail')).body, 'Serwer SMTP')
  const bad = await owner.post('/ustawienia/e-mail', {
    ...settings,
    host: 'smtp://x',
    port: '70000',
    fromAddress: 'nie-adres',
    subjectTemplate: '{numerr}'
  })
  t.equal(bad.statusCode, 422)
  for (const message of [
    'bez „smtp://”',
    'Port to liczba od 1 do 65535',
    'Adres e-mail nadawcy jest nieprawidłowy',
    'Nieznane pole {numerr}'
  ])
    t.match(bad.body, message)
  t.notMatch(bad.body, LOGIN.password, 'the typed password is not echoed')
  t.equal(await db.selectFrom('smtp_settings').selectAll().executeTakeFirst(), undefined, 'nothing stored')

  t.equal((await owner.post('/ustawienia/e-mail', settings)).statusCode, 303)
  const row = await db.selectFrom('smtp_settings').selectAll().executeTakeFirstOrThrow()
  t.match(row, { host: '127.0.0.1', port: smtp.port, security: 'brak', username: LOGIN.username })
  t.notOk(row.password_enc?.includes(LOGIN.password), 'the password is stored encrypted')
  const page = (await owner.get('/ustawienia/e-mail')).body
  t.notMatch(page, LOGIN.password, 'the page never shows the password')
  t.match(page, 'zapisane – zostaw puste')

  await owner.post('/ustawienia/e-mail', { ...settings, password: '' })
  t.equal(
    (await db.selectFrom('smtp_settings').select('password_enc').executeTakeFirstOrThrow()).password_enc,
    row.password_enc,
    'an empty password field keeps the stored one'
  )

  smtp.messages.length = 0
  t.equal((await owner.post('/ustawienia/e-mail/test')).statusCode, 303)
  t.match((await owner.get('/ustawienia/e-mail')).body, 'Wiadomość próbna wysłana na faktury@sklep.pl.')
  t.equal(smtp.messages.length, 1, 'the test message reached the server')
  t.same(smtp.messages[0].to, ['faktury@sklep.pl'])
})

t.test('a hand-made invoice goes out with its PDF; refusals leave a Polish state', async (t) => {
  const { db, owner } = await build(t)
  await owner.get('/przychody/dokumenty/nowy')
  await owner.post('/przychody/dokumenty/nowy', invoice)
  const doc = await db.selectFrom('documents').selectAll().executeTakeFirstOrThrow()
  await db.updateTable('contractors').set({ email: 'biuro@pracownia.pl' }).execute()

  const before = await owner.get(`/przychody/dokumenty/${doc.id}/e-mail`)
  t.match(before.body, 'ustaw serwer poczty firmy', 'without settings the page says what to do')
  await owner.post('/ustawienia/e-mail', settings)

  const form = (await owner.get(`/przychody/dokumenty/${doc.id}/e-mail`)).body
  t.match(form, 'value="biuro@pracownia.pl"', "the buyer's address from the contractor")
  t.match(form, 'value="Faktura FV 1/11/2026 – Sklep Testowy Sp. z o.o."')
  t.match(form, 'na kwotę 1\u00a0230,00\u00a0zł, termin płatności 30.11.2026.')

  const invalid = await owner.post(`/przychody/dokumenty/${doc.id}/e-mail`, {
    to: 'a@b.pl, c@d.pl',
    subject: 'x',
    body: 'y'
  })
  t.equal(invalid.statusCode, 422)
  t.match(invalid.body, 'jeden adres')
  t.match(invalid.body, 'value="a@b.pl, c@d.pl"')

  smtp.messages.length = 0
  const sent = await owner.post(`/przychody/dokumenty/${doc.id}/e-mail`, {
    to: 'biuro@pracownia.pl',
    subject: 'Faktura FV 1/11/2026\r\nBcc: ofiara@example.com',
    body: 'W załączniku faktura.'
  })
  t.equal(sent.statusCode, 303)
  t.equal(sent.headers.location, `/przychody/dokumenty/${doc.id}`)
  t.equal(smtp.messages.length, 1)
  t.same(smtp.messages[0].to, ['biuro@pracownia.pl'], 'a line break in the subject adds no recipient')
  t.match((await owner.get(`/przychody/dokumenty/${doc.id}`)).body, 'Wysłano FV 1/11/2026 na adres biuro@pracownia.pl.')
  const mail = await simpleParser(smtp.messages[0].raw)
  t.equal(mail.subject, 'Faktura FV 1/11/2026 Bcc: ofiara@example.com')
  t.equal(mail.from?.value[0].address, 'faktury@sklep.pl')
  t.equal(mail.attachments.length, 1)
  t.equal(mail.attachments[0].filename, 'FV_1_11_2026.pdf')
  const pdf = await owner.get(`/przychody/dokumenty/${doc.id}/pdf`)
  t.equal(mail.attachments[0].content.subarray(0, 5).toString(), '%PDF-')
  t.equal(
    mail.attachments[0].content.length,
    pdf.rawPayload.length,
    "the attachment is the document's PDF, as downloaded"
  )

  const cases: Array<[Parameters<typeof smtp.fault>[0], string]> = [
    ['reject-recipient', 'odrzucił adres nadawcy albo odbiorcy'],
    ['reject-message', 'Message rejected as spam']
  ]
  for (const [fault, message] of cases) {
    smtp.fault(fault)
    const refused = await owner.post(`/przychody/dokumenty/${doc.id}/e-mail`, {
      to: 'biuro@pracownia.pl',
      subject: 'Faktura',
      body: 'Treść'
    })
    t.equal(refused.headers.location, `/przychody/dokumenty/${doc.id}/e-mail`)
    t.match((await owner.get(`/przychody/dokumenty/${doc.id}/e-mail`)).body, message)
  }
  smtp.fault(null)
  await db.updateTable('smtp_settings').set({ password_enc: null }).execute()
  await owner.post(`/przychody/dokumenty/${doc.id}/e-mail`, {
    to: 'biuro@pracownia.pl',
    subject: 'Faktura',
    body: 'Treść'
  })
  t.match((await owner.get(`/przychody/dokumenty/${doc.id}/e-mail`)).body, 'odrzucił login lub hasło')

  const log = await db.selectFrom('document_emails').select(['state', 'to_address']).orderBy('id').execute()
  t.same(
    log.map((r) => r.state),
    ['wyslany', 'blad', 'blad', 'blad'],
    'every attempt is in the log with its outcome'
  )
  t.equal(smtp.messages.length, 1, 'refused messages were not delivered')
})

t.test('documents of Allegro orders are not e-mailed', async (t) => {
  const { db, owner } = await build(t)
  await owner.get('/przychody/dokumenty/nowy')
  await owner.post('/przychody/dokumenty/nowy', invoice)
  await owner.post('/ustawienia/e-mail', settings)
  const doc = await db.selectFrom('documents').selectAll().executeTakeFirstOrThrow()
  const { transactionId } = await insertTransaction(db, await insertShop(db, { connected: false }), [
    { offerName: 'Kubek' }
  ])
  await db
    .insertInto('document_transactions')
    .values({
      document_id: doc.id,
      transaction_id: transactionId,
      link_kind: 'linked',
      created_at: '2026-11-16T09:00:00.000Z'
    })
    .execute()
  t.notMatch(
    (await owner.get(`/przychody/dokumenty/${doc.id}`)).body,
    'Wyślij e-mailem',
    'the document page does not offer it'
  )
  t.match(
    (await owner.get(`/przychody/dokumenty/${doc.id}/e-mail`)).body,
    'Allegro nie pozwala pisać do kupujących poza serwisem'
  )
  smtp.messages.length = 0
  const refused = await owner.post(`/przychody/dokumenty/${doc.id}/e-mail`, {
    to: 'kupujacy@allegromail.pl',
    subject: 'x',
    body: 'y'
  })
  t.equal(refused.statusCode, 303)
  t.equal(smtp.messages.length, 0)
  t.equal((await db.selectFrom('document_emails').selectAll().execute()).length, 0)
})
