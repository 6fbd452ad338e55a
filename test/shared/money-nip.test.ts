import t from 'tap'
import { divideRoundHalfUp, formatAmount, formatDecimal, parseAmount, parseUserAmount } from '../../src/shared/money.ts'
import { isValidBankAccount, isValidNip, normalizeNip } from '../../src/shared/nip.ts'
import { decryptSecret, deriveKey, encryptSecret, hashPassword, verifyPassword } from '../../src/shared/crypto.ts'

t.test('amounts', async (t) => {
  t.equal(parseAmount('123.45'), 12345)
  t.equal(parseAmount('0.1'), 10)
  t.equal(parseAmount('7'), 700)
  t.equal(parseAmount('-9.99'), -999)
  t.equal(parseAmount('1.234'), null, 'three decimals are not money')
  t.equal(parseAmount('1e3'), null)
  t.equal(parseAmount(''), null)
  t.equal(parseUserAmount('1 234,50'), 123450)
  t.equal(formatDecimal(-5), '-0.05')
  t.equal(formatAmount(123456789), '1\u00a0234\u00a0567,89')
  t.equal(divideRoundHalfUp(5, 2), 3, 'half goes up')
  t.equal(divideRoundHalfUp(-5, 2), -3, 'half away from zero for negatives')
  t.equal(divideRoundHalfUp(24897 * 23, 123), 4656, 'VAT of 248.97 gross at 23 %')
})

t.test('NIP and bank account checksums', async (t) => {
  t.ok(isValidNip('526-104-08-28'))
  t.ok(isValidNip('PL5261040828'))
  t.notOk(isValidNip('5261040829'))
  t.notOk(isValidNip('123'))
  t.equal(normalizeNip('PL 526-104-08-28'), '5261040828')
  t.ok(isValidBankAccount('61 1090 1014 0000 0712 1981 2874'))
  t.ok(isValidBankAccount('PL61109010140000071219812874'))
  t.notOk(isValidBankAccount('61109010140000071219812875'))
  t.notOk(isValidBankAccount('abc'))
})

t.test('secrets are encrypted with authentication; passwords hashed', async (t) => {
  const key = deriveKey(Buffer.alloc(32, 1), 'secrets')
  const sealed = encryptSecret(key, 'refresh-token-value')
  t.notMatch(sealed, 'refresh-token-value')
  t.equal(decryptSecret(key, sealed), 'refresh-token-value')
  t.not(encryptSecret(key, 'x'), encryptSecret(key, 'x'), 'random IV each time')
  const raw = Buffer.from(sealed.slice(3), 'base64')
  raw[raw.length - 1] ^= 1
  const tampered = 'v1:' + raw.toString('base64')
  t.throws(() => decryptSecret(key, tampered))
  t.throws(() => decryptSecret(deriveKey(Buffer.alloc(32, 2), 'secrets'), sealed), 'another key cannot read it')
  const hash = await hashPassword('haslo-123456')
  t.ok(await verifyPassword('haslo-123456', hash))
  t.notOk(await verifyPassword('haslo-123457', hash))
})
