import { type FormResult, Validator, checkbox, text } from '../shared/form.ts'
import { isCommonPassword } from './common-passwords.ts'

// ASVS 2.1.1: at least 12 characters (counted as code points, so "ąęśćżźółń" count one each)
export const MIN_PASSWORD_LENGTH = 12

/** for every new password: first-run setup, a new user, a user's password reset, a change */
export function checkPassword(v: Validator, field: string, password: string): void {
  if (v.required(field, password, 'Podaj hasło.')) {
    if (
      v.check(
        [...password].length >= MIN_PASSWORD_LENGTH,
        field,
        `Hasło musi mieć co najmniej ${MIN_PASSWORD_LENGTH} znaków.`
      ) &&
      v.maxLength(field, password, 200)
    ) {
      // ASVS 2.1.7
      v.check(
        !isCommonPassword(password),
        field,
        'To hasło jest na liście popularnych lub wykradzionych haseł i łatwo je odgadnąć. Wybierz inne, np. kilka niepowiązanych słów.'
      )
    }
  }
}

export function checkLogin(v: Validator, login: string): void {
  if (v.required('login', login, 'Podaj login.')) {
    v.check(
      /^[a-zA-Z0-9._@-]{3,50}$/.test(login),
      'login',
      'Login: 3–50 znaków, litery bez polskich znaków, cyfry, kropka, podkreślnik, @ lub myślnik.'
    )
  }
}

export interface UserValues {
  login: string
  name: string
  permAllegro: boolean
  permMagazyn: boolean
  permKsiegowosc: boolean
  permDokumenty: boolean
  permAdministracja: boolean
  disabled: boolean
}

export function parseUserForm(
  body: unknown,
  opts: { withPassword: boolean }
): FormResult<UserValues> & { password: string } {
  const values: UserValues = {
    login: text(body, 'login'),
    name: text(body, 'name'),
    permAllegro: checkbox(body, 'permAllegro'),
    permMagazyn: checkbox(body, 'permMagazyn'),
    permKsiegowosc: checkbox(body, 'permKsiegowosc'),
    permDokumenty: checkbox(body, 'permDokumenty'),
    permAdministracja: checkbox(body, 'permAdministracja'),
    disabled: checkbox(body, 'disabled')
  }
  const password =
    typeof (body as Record<string, unknown> | null)?.password === 'string'
      ? String((body as Record<string, unknown>).password)
      : ''
  const v = new Validator()
  checkLogin(v, values.login)
  if (v.required('name', values.name, 'Podaj imię i nazwisko.')) v.maxLength('name', values.name, 100)
  if (opts.withPassword || password !== '') checkPassword(v, 'password', password)
  return { values, errors: v.errors, password }
}

export function parsePasswordChange(
  body: unknown
): FormResult<Record<string, never>> & { current: string; next: string } {
  const raw = (name: string): string => {
    const value = (body as Record<string, unknown> | null)?.[name]
    return typeof value === 'string' ? value : ''
  }
  const current = raw('currentPassword')
  const next = raw('newPassword')
  const v = new Validator()
  v.required('currentPassword', current, 'Podaj obecne hasło.')
  checkPassword(v, 'newPassword', next)
  if (next !== '' && raw('newPasswordRepeat') !== next) v.add('newPasswordRepeat', 'Hasła nie są takie same.')
  return { values: {}, errors: v.errors, current, next }
}
