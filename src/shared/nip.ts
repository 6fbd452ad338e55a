const NIP_WEIGHTS = [6, 5, 7, 2, 3, 4, 5, 6, 7]

/** Strips dashes, spaces and an optional "PL" prefix. */
export function normalizeNip(text: string): string {
  return text.replace(/^\s*PL/i, '').replace(/[\s-]/g, '')
}

export function isValidNip(text: string): boolean {
  const nip = normalizeNip(text)
  if (!/^\d{10}$/.test(nip)) return false
  const sum = NIP_WEIGHTS.reduce((acc, weight, i) => acc + weight * Number(nip[i]), 0)
  const check = sum % 11
  return check !== 10 && check === Number(nip[9])
}

export function formatNip(nip: string): string {
  const n = normalizeNip(nip)
  return /^\d{10}$/.test(n) ? `${n.slice(0, 3)}-${n.slice(3, 6)}-${n.slice(6, 8)}-${n.slice(8)}` : nip
}

/** Polish bank account: 26 digits (NRB) or an IBAN; checked with ISO 13616 mod 97. */
export function normalizeBankAccount(text: string): string {
  return text.replace(/[\s-]/g, '').toUpperCase()
}

export function isValidBankAccount(text: string): boolean {
  let account = normalizeBankAccount(text)
  if (/^\d{26}$/.test(account)) account = 'PL' + account
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(account)) return false
  const rearranged = account.slice(4) + account.slice(0, 4)
  const digits = rearranged.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55))
  let remainder = 0
  for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % 97
  return remainder === 1
}

export function formatBankAccount(text: string): string {
  const account = normalizeBankAccount(text)
  if (/^\d{26}$/.test(account)) return `${account.slice(0, 2)} ${account.slice(2).replace(/(\d{4})(?=\d)/g, '$1 ')}`
  return account.replace(/(.{4})(?=.)/g, '$1 ')
}
