import t from 'tap'
import { isValidKsefNumber, normalizeKsefNumber } from '../../src/ksef/ksef-number.ts'

t.test('KSeF numbers: format and CRC-8 check', async (t) => {
  t.ok(isValidKsefNumber('5265877635-20250826-0100001AF629-AF'), 'the example from ksef-docs faktury/numer-ksef.md')
  t.ok(isValidKsefNumber('5265877635-20260410-0A1B2C3D4E5F-9F'))
  t.notOk(isValidKsefNumber('5265877635-20250826-0100001AF629-AE'), 'wrong checksum')
  t.notOk(isValidKsefNumber('5265877635-20250826-0100001AF628-AF'), 'one character changed')
  t.notOk(isValidKsefNumber('5265877635-20250826-0100001af629-AF'), 'lower-case hex is not the format')
  t.notOk(isValidKsefNumber('5265877635-20250230-0100001AF629-AF'), 'impossible date')
  t.notOk(isValidKsefNumber('0265877635-20250826-0100001AF629-AF'), 'not a NIP')
  t.notOk(isValidKsefNumber('5265877635-20250826-0100001AF629'), 'too short')
  t.equal(normalizeKsefNumber(' 5265877635-20250826-0100001af629-af \n'), '5265877635-20250826-0100001AF629-AF')
  t.ok(isValidKsefNumber(normalizeKsefNumber('5265877635-20250826-0100001af629-af')))
})
