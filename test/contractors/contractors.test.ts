import t from 'tap'
import { build } from '../helpers/app.ts'

const valid = {
  name: 'Hurtownia Łódzka Sp. z o.o.',
  isCompany: 'on',
  nip: '676-246-82-59',
  foreignTaxId: '',
  street: 'Piotrkowska 100',
  postalCode: '90-001',
  city: 'Łódź',
  countryCode: 'pl',
  email: 'biuro@hurtownia.pl',
  phone: '+48 42 000 00 00'
}

t.test('add, show, edit and search contractors', async (t) => {
  const { db, owner } = await build(t)
  t.match((await owner.get('/kontrahenci')).body, 'Nie ma jeszcze kontrahentów')
  await owner.get('/kontrahenci/nowy')
  const created = await owner.post('/kontrahenci', valid)
  t.equal(created.statusCode, 303)
  const row = await db.selectFrom('contractors').selectAll().executeTakeFirstOrThrow()
  t.equal(created.headers.location, `/kontrahenci/${row.id}`)
  t.match(row, {
    name: 'Hurtownia Łódzka Sp. z o.o.',
    nip: '6762468259',
    is_company: 1,
    country_code: 'PL',
    postal_code: '90-001'
  })
  const detail = await owner.get(`/kontrahenci/${row.id}`)
  t.match(detail.body, 'Dodano kontrahenta')
  t.match(detail.body, '676-246-82-59')
  t.match(detail.body, 'Ten kontrahent nie ma jeszcze dokumentów.')

  await owner.post('/kontrahenci', {
    ...valid,
    name: 'Zenon Malinowski',
    isCompany: '',
    nip: '',
    city: 'Gdańsk',
    postalCode: '80-001'
  })
  for (const [q, expected, other] of [
    ['łódzka', 'Hurtownia', 'Zenon Malinowski'],
    ['ŁÓDŹ', 'Hurtownia', 'Zenon Malinowski'],
    ['6762468', 'Hurtownia', 'Zenon Malinowski'],
    ['malin', 'Zenon Malinowski', 'Hurtownia Łódzka Sp. z o.o.'],
    ['%', '', '']
  ]) {
    const list = await owner.get(`/kontrahenci?q=${encodeURIComponent(q)}`)
    t.equal(list.statusCode, 200)
    if (expected) {
      t.match(list.body, expected, q)
      t.notMatch(list.body, `>${other}<`, q)
    } else {
      t.match(list.body, 'Nikt nie pasuje', '% is matched literally')
    }
  }

  await owner.get(`/kontrahenci/${row.id}/edycja`)
  const edited = await owner.post(`/kontrahenci/${row.id}/edycja`, {
    ...valid,
    street: 'Piotrkowska 200',
    foreignTaxId: 'PL6762468259'
  })
  t.equal(edited.statusCode, 303)
  t.match(await db.selectFrom('contractors').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow(), {
    street: 'Piotrkowska 200',
    foreign_tax_id: 'PL6762468259',
    foreign_tax_id_type: 'OTHER'
  })
})

t.test('bad input: 422 with values kept, nothing saved; duplicate NIP refused', async (t) => {
  const { db, owner } = await build(t)
  await owner.get('/kontrahenci/nowy')
  const bad = await owner.post('/kontrahenci', {
    ...valid,
    name: '<script>x</script>',
    nip: '676-246-82-50',
    postalCode: '90001',
    email: 'nie-email',
    countryCode: 'POL'
  })
  t.equal(bad.statusCode, 422)
  t.match(bad.body, 'NIP jest nieprawidłowy')
  t.match(bad.body, 'Kod kraju: dwie litery')
  t.match(bad.body, 'Adres e-mail jest nieprawidłowy')
  t.match(bad.body, 'value="&lt;script&gt;x&lt;/script&gt;"')
  t.notMatch(bad.body, '<script>x</script>')
  const badPostal = await owner.post('/kontrahenci', { ...valid, postalCode: '90001' })
  t.equal(badPostal.statusCode, 422)
  t.match(badPostal.body, 'Kod pocztowy w formacie 00-000')
  const personWithNip = await owner.post('/kontrahenci', { ...valid, isCompany: '' })
  t.equal(personWithNip.statusCode, 422)
  const noName = await owner.post('/kontrahenci', { ...valid, name: '   ' })
  t.match(noName.body, 'Podaj nazwę')
  const arrays = await owner.post('/kontrahenci', { ...valid, name: ['a', 'b'], nip: ['x'] })
  t.equal(arrays.statusCode, 422, 'arrays instead of strings are not a 500')
  t.equal((await db.selectFrom('contractors').selectAll().execute()).length, 0)
  await owner.post('/kontrahenci', valid)
  const duplicate = await owner.post('/kontrahenci', { ...valid, name: 'Inna nazwa', nip: '6762468259' })
  t.equal(duplicate.statusCode, 422)
  t.match(duplicate.body, 'Kontrahent z tym NIP-em już istnieje: Hurtownia Łódzka Sp. z o.o.')
  const foreign = await owner.post('/kontrahenci', {
    ...valid,
    nip: '',
    countryCode: 'DE',
    postalCode: '10115',
    city: 'Berlin',
    foreignTaxId: 'DE123456789'
  })
  t.equal(foreign.statusCode, 303, 'a foreign postal code is free-form')
})

t.test('contractor page lists their documents', async (t) => {
  const { db, owner } = await build(t)
  await owner.get('/kontrahenci/nowy')
  await owner.post('/kontrahenci', valid)
  const contractor = await db.selectFrom('contractors').select('id').executeTakeFirstOrThrow()
  await owner.get('/przychody/dokumenty/nowy')
  const issued = await owner.post('/przychody/dokumenty/nowy', {
    type: 'faktura',
    contractorId: String(contractor.id),
    issueDate: '2026-11-16',
    saleDate: '2026-11-16',
    paymentMethod: 'przelew',
    lineName: ['Towar'],
    lineQuantity: ['2'],
    lineUnit: ['szt.'],
    linePrice: ['61,50'],
    lineVatRate: ['23'],
    action: 'issue'
  })
  t.equal(issued.statusCode, 303)
  const page = await owner.get(`/kontrahenci/${contractor.id}`)
  t.match(page.body, 'Dokumenty (1)')
  t.match(page.body, 'FV 1/11/2026')
  t.match(page.body, '123,00')
  // editing the contractor does not rewrite the issued document
  await owner.post(`/kontrahenci/${contractor.id}/edycja`, { ...valid, name: 'Nowa Nazwa Sp. z o.o.' })
  t.equal(
    (await db.selectFrom('documents').select('buyer_name').executeTakeFirstOrThrow()).buyer_name,
    'Hurtownia Łódzka Sp. z o.o.'
  )
})

t.test('contractors need a session and CSRF; unknown id is 404', async (t) => {
  const { owner, anonymous } = await build(t)
  t.equal((await anonymous.get('/kontrahenci')).statusCode, 303)
  t.equal((await anonymous.post('/kontrahenci', valid)).statusCode, 303)
  t.equal((await owner.get('/kontrahenci/12345')).statusCode, 404)
  t.equal((await owner.get('/kontrahenci/abc/edycja')).statusCode, 404)
  await owner.get('/kontrahenci/nowy')
  t.equal((await owner.post('/kontrahenci', valid, { csrf: null })).statusCode, 403)
})
