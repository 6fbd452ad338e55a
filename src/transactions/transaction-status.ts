// Local transaction statuses (S14): they never change anything on Allegro.

export const TRANSACTION_STATUSES = ['nowa', 'oplacona', 'zamknieta', 'anulowana'] as const
export type TransactionStatus = (typeof TRANSACTION_STATUSES)[number]

export const STATUS_LABELS: Record<TransactionStatus, string> = {
  nowa: 'nowa',
  oplacona: 'opłacona',
  zamknieta: 'zamknięta',
  anulowana: 'anulowana'
}

export function isTransactionStatus(value: string): value is TransactionStatus {
  return (TRANSACTION_STATUSES as readonly string[]).includes(value)
}

/** The status Allegro's data implies, used until someone sets one by hand. */
export function statusFromAllegro(order: { allegroStatus: string; paid: boolean }): TransactionStatus {
  if (order.allegroStatus === 'CANCELLED') return 'anulowana'
  if (order.paid) return 'oplacona'
  return 'nowa'
}
