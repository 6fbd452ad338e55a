import t from 'tap'
import { safeNext } from '../../src/users/auth.routes.ts'
import { build, OWNER } from '../helpers/app.ts'
import { TestClient } from '../helpers/client.ts'

const OFFSITE = [
  '/\t/evil.example',
  '/\n/evil.example',
  '//evil.example',
  '/\\evil.example',
  '\\\\evil.example',
  '/\\/evil.example',
  'https://evil.example/',
  'javascript:alert(1)',
  '/\r\n/evil.example/x',
  ' //evil.example',
  '',
  'evil'
]

t.test('every value a URL parser resolves to another origin becomes /', async (t) => {
  for (const next of OFFSITE) t.equal(safeNext(next), '/', JSON.stringify(next))
  t.equal(safeNext('/kontrahenci?szukaj=a#x'), '/kontrahenci?szukaj=a#x', 'a local path with query and hash stays')
  t.equal(safeNext('/dokumenty/1'), '/dokumenty/1')
})

t.test('the tab redirect through the login form lands on /', async (t) => {
  const { app } = await build(t, { state: 'company' })
  const client = new TestClient(app)
  const page = await client.get(`/logowanie?next=${encodeURIComponent('/\t/evil.example')}`)
  t.match(page.body, 'name="next" value="/"')
  const response = await client.post('/logowanie', {
    login: OWNER.login,
    password: OWNER.password,
    next: '/\t/evil.example'
  })
  t.equal(response.statusCode, 303)
  t.equal(response.headers.location, '/')
})
