// The few named failures the error handler maps to pages. Expected outcomes such as
// validation errors are values, not exceptions.

export class NotFoundError extends Error {
  override name = 'NotFoundError'
  constructor(message = 'Nie znaleziono') {
    super(message)
  }
}

export class ForbiddenError extends Error {
  override name = 'ForbiddenError'
  constructor(message = 'Brak dostępu') {
    super(message)
  }
}

export class ConflictError extends Error {
  override name = 'ConflictError'
}
