// Payments of purchase invoices and the white-list check. Pure: the lookup's result comes in.
//
// The rule: when the value of the transaction exceeds 15 000 zł (art. 19 pkt 2 ustawy – Prawo
// przedsiębiorców, a transaction between businesses must then be paid through a bank account) and
// it is paid to an account not in the seller's entry of the VAT white list (art. 96b ustawy o VAT)
// on the day the transfer is ordered:
//  - the payment is not a tax-deductible cost (art. 22p ust. 1 pkt 2 ustawy o PIT; pkt 1: paid not
//    through a payment account at all, e.g. in cash);
//  - the buyer is jointly liable for the seller's VAT on that invoice (art. 117ba § 1 Ordynacji
//    podatkowej);
//  unless the buyer files ZAW-NR with the seller's tax office within 7 days of the order
//  (art. 117ba § 3 pkt 1 with art. 117bb; art. 22p ust. 4 ustawy o PIT), or pays with the
//  split-payment mechanism (art. 117ba § 3 pkt 2).
// The Acts say "exceeds": exactly 15 000,00 zł is not caught (the issue said "15 000 zł or more").
import { convertToPln } from '../nbp/nbp.ts'
import type { WhiteListLookup } from '../whitelist/whitelist.ts'
import { formatMoney } from '../shared/money.ts'

const WHITE_LIST_LIMIT = 1_500_000
export const PAYMENT_METHODS = {
  przelew: 'przelew',
  gotowka: 'gotówka',
  karta: 'karta płatnicza',
  inna: 'inna'
} as const
export type PaymentMethod = keyof typeof PAYMENT_METHODS
export type WhiteListStatus = 'na_liscie' | 'poza_lista' | 'brak_podmiotu' | 'nie_sprawdzono' | 'nie_dotyczy'

/** The transaction's value in PLN: the invoice's gross, at its own rate when it is in a foreign currency. */
export function grossInPln(gross: number, currency: string, exchangeRate: string | null): number | null {
  if (currency === 'PLN') return gross
  return exchangeRate === null ? null : convertToPln(gross, exchangeRate)
}

export function needsWhiteListCheck(opts: {
  grossPln: number | null
  sellerCountry: string
  method: PaymentMethod
  splitPayment: boolean
}): boolean {
  return (
    opts.grossPln !== null &&
    opts.grossPln > WHITE_LIST_LIMIT &&
    opts.sellerCountry === 'PL' &&
    opts.method === 'przelew' &&
    !opts.splitPayment
  )
}

const ZAW_NR =
  'Aby tego uniknąć, w ciągu 7 dni od zlecenia przelewu złóż zawiadomienie ZAW-NR do urzędu skarbowego sprzedawcy (art. 117ba § 3 pkt 1 Ordynacji podatkowej, art. 22p ust. 4 ustawy o PIT).'

/** The status to store and the warning to show (empty when there is none). */
export function whiteListVerdict(opts: {
  grossPln: number | null
  sellerCountry: string
  method: PaymentMethod
  splitPayment: boolean
  account: string
  paidOn: string
  lookup: WhiteListLookup | { failed: string } | null
}): { status: WhiteListStatus; warning: string; requestId: string } {
  const over = opts.grossPln !== null && opts.grossPln > WHITE_LIST_LIMIT
  if (over && opts.method !== 'przelew' && opts.sellerCountry === 'PL') {
    return {
      status: 'nie_dotyczy',
      requestId: '',
      warning: `Faktura na ${formatMoney(opts.grossPln!)} (ponad 15 000 zł) zapłacona bez rachunku płatniczego: zapłata nie jest kosztem uzyskania przychodu (art. 22p ust. 1 pkt 1 ustawy o PIT, art. 19 pkt 2 Prawa przedsiębiorców).`
    }
  }
  if (!needsWhiteListCheck(opts)) return { status: 'nie_dotyczy', warning: '', requestId: '' }
  const lookup = opts.lookup
  if (lookup === null || 'failed' in lookup) {
    return {
      status: 'nie_sprawdzono',
      requestId: '',
      warning: `Nie udało się sprawdzić rachunku w Wykazie podatników VAT${lookup !== null ? ` (${lookup.failed})` : ''}. Faktura przekracza 15 000 zł – sprawdź rachunek sprzedawcy w wykazie na dzień zlecenia przelewu; przelew na rachunek spoza wykazu wyłącza koszt (art. 22p ustawy o PIT) i daje solidarną odpowiedzialność za VAT sprzedawcy (art. 117ba Ordynacji podatkowej). ${ZAW_NR}`
    }
  }
  if (!lookup.found) {
    return {
      status: 'brak_podmiotu',
      requestId: '',
      warning: `Sprzedawcy nie ma w Wykazie podatników VAT na ${opts.paidOn}, więc rachunek ${opts.account} nie jest w wykazie. Przy fakturze ponad 15 000 zł zapłata nie jest kosztem (art. 22p ust. 1 pkt 2 ustawy o PIT), a kupujący odpowiada solidarnie za VAT sprzedawcy (art. 117ba § 1 Ordynacji podatkowej). ${ZAW_NR}`
    }
  }
  const account = opts.account.replace(/^PL/, '')
  if (lookup.subject.bankAccounts.includes(account))
    return { status: 'na_liscie', warning: '', requestId: lookup.requestId }
  return {
    status: 'poza_lista',
    requestId: lookup.requestId,
    warning: `Rachunek ${opts.account} nie jest w Wykazie podatników VAT dla sprzedawcy (stan na ${opts.paidOn}), a faktura przekracza 15 000 zł: zapłata nie jest kosztem uzyskania przychodu (art. 22p ust. 1 pkt 2 ustawy o PIT), a kupujący odpowiada solidarnie za VAT sprzedawcy z tej faktury (art. 117ba § 1 Ordynacji podatkowej). ${ZAW_NR}`
  }
}
