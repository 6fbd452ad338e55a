// One error summary for every form (views/partials/error-summary.eta): a 422 page lists each
// problem as a link to its field, and every link's target exists on the page, so a keyboard or
// screen-reader user lands on the field to fix.
import t, { type Test } from 'tap'
import { build } from '../helpers/app.ts'
import { MANUAL_INVOICE_BUYER } from '../helpers/document-fixtures.ts'

interface Summary {
  heading: string
  links: Array<{ href: string; text: string }>
}

function summaryOf(html: string): Summary | null {
  const block =
    /<div class="flash flash-error error-summary" role="alert" id="bledy-formularza">([\s\S]*?)<\/div>/.exec(html)
  if (block === null) return null
  const heading = /<strong>([\s\S]*?)<\/strong>/.exec(block[1])?.[1] ?? ''
  const links = [...block[1].matchAll(/<a href="#([^"]+)">([\s\S]*?)<\/a>/g)].map((m) => ({ href: m[1], text: m[2] }))
  return { heading, links }
}

/** Every link of the summary points at an element of the page, and that element is a form control or a message */
function checkTargets(t: Test, html: string, label: string): void {
  const summary = summaryOf(html)
  if (summary === null) {
    t.fail(`${label}: no error summary`)
    return
  }
  for (const link of summary.links) {
    const target = new RegExp(`<(input|select|textarea|small|p)\\b[^>]*\\bid="${link.href}"`).exec(html)
    t.ok(target, `${label}: "${link.text}" links to #${link.href}, which is on the page`)
  }
}

t.test('every form answers 422 with one summary whose links reach their fields', async (t) => {
  const { owner } = await build(t)
  const cases: Array<{
    label: string
    page: string
    action: string
    body: Record<string, string | string[]>
    expect: string[]
  }> = [
    {
      label: 'new contractor',
      page: '/kontrahenci/nowy',
      action: '/kontrahenci',
      body: { name: '', isCompany: 'on', nip: '123', postalCode: '12345x', countryCode: 'PL' },
      expect: ['f-name', 'f-nip']
    },
    {
      label: 'company settings',
      page: '/ustawienia/firma',
      action: '/ustawienia/firma',
      body: { name: '', nip: '1', street: '', postalCode: 'x', city: '' },
      expect: ['f-name', 'f-nip']
    },
    {
      label: 'new user',
      page: '/ustawienia/uzytkownicy/nowy',
      action: '/ustawienia/uzytkownicy',
      body: { login: '', name: '', password: 'krotkie' },
      expect: ['f-login', 'f-name', 'f-password']
    },
    {
      label: 'password change',
      page: '/konto/haslo',
      action: '/konto/haslo',
      body: { currentPassword: 'zle-haslo-123456', newPassword: 'a', newPasswordRepeat: 'b' },
      expect: ['f-newPassword']
    },
    {
      label: 'hand-made invoice',
      page: '/przychody/dokumenty/nowy',
      action: '/przychody/dokumenty/nowy',
      body: {
        ...MANUAL_INVOICE_BUYER,
        action: 'issue',
        issueDate: '2026-11-16',
        saleDate: '2026-11-16',
        paymentMethod: 'przelew',
        dueDate: '',
        notes: '',
        lineName: ['Kask', 'Rękawice'],
        lineQuantity: ['abc', '1'],
        lineUnit: ['szt.', 'szt.'],
        linePrice: ['10,00', '-5'],
        lineVatRate: ['23', '23']
      },
      expect: ['f-lines-0-quantity', 'f-lines-1-price']
    },
    {
      label: 'numbering',
      page: '/ustawienia/numeracja',
      action: '/ustawienia/numeracja',
      body: { faktura: 'bez numeru' },
      expect: ['f-faktura']
    },
    {
      label: 'e-mail settings',
      page: '/ustawienia/e-mail',
      action: '/ustawienia/e-mail',
      body: { host: '', port: 'x', security: 'tls', fromAddress: 'zly-adres' },
      expect: ['f-host', 'f-fromAddress']
    }
  ]
  for (const c of cases) {
    const response = await owner.submit(c.page, c.action, c.body)
    t.equal(response.statusCode, 422, `${c.label}: 422`)
    const summary = summaryOf(response.body)
    t.ok(summary, `${c.label}: the summary is shown`)
    if (summary === null) continue
    t.equal(summary.heading, 'Popraw zaznaczone pola.', `${c.label}: heading`)
    const hrefs = summary.links.map((l) => l.href)
    for (const id of c.expect)
      t.ok(hrefs.includes(id), `${c.label}: the summary links to #${id} (has ${hrefs.join(', ')})`)
    checkTargets(t, response.body, c.label)
    t.equal(
      response.body.match(/role="alert"/g)?.length ?? 0,
      1,
      `${c.label}: one alert, not one per copy of the summary`
    )
  }
})

t.test('a field message in the summary is the same text as beside the field, escaped', async (t) => {
  const { owner } = await build(t)
  const response = await owner.submit('/kontrahenci/nowy', '/kontrahenci', {
    name: '',
    isCompany: 'on',
    nip: '<b>1</b>',
    countryCode: 'PL'
  })
  t.equal(response.statusCode, 422)
  const summary = summaryOf(response.body)
  const nip = summary?.links.find((l) => l.href === 'f-nip')
  t.ok(nip, 'the NIP problem is listed')
  t.ok(
    response.body.includes(`<small class="error" id="f-nip-err">${nip?.text ?? '?'}</small>`),
    'and reads as beside the field'
  )
  t.notMatch(response.body, '<b>1</b>', 'what was typed is escaped')
})

t.test('no summary on a page without problems', async (t) => {
  const { owner } = await build(t)
  for (const url of ['/kontrahenci/nowy', '/ustawienia/firma', '/przychody/dokumenty/nowy', '/konto/haslo']) {
    const response = await owner.get(url)
    t.equal(response.statusCode, 200, url)
    t.equal(summaryOf(response.body), null, `${url}: no summary`)
  }
})
