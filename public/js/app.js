// Progressive enhancement only: every page works without this file.
document.addEventListener('DOMContentLoaded', () => {
  // "select all" checkbox for bulk actions in lists
  for (const master of document.querySelectorAll('input[data-select-all]')) {
    master.addEventListener('change', () => {
      const form = master.closest('form') || document
      for (const box of form.querySelectorAll(`input[type=checkbox][name="${master.dataset.selectAll}"]`))
        box.checked = master.checked
    })
  }
  // buttons that ask before doing something irreversible
  for (const el of document.querySelectorAll('[data-confirm]')) {
    el.addEventListener('click', (event) => {
      if (!window.confirm(el.dataset.confirm)) event.preventDefault()
    })
  }
  for (const el of document.querySelectorAll('[data-print]')) el.addEventListener('click', () => window.print())
  // PEM fields (KSeF certificate and key): a file picker reads the chosen file into the field
  for (const area of document.querySelectorAll('textarea[data-pem-file]')) {
    const picker = document.createElement('input')
    picker.type = 'file'
    picker.accept = '.pem,.crt,.cer,.key,.txt'
    picker.setAttribute('aria-label', 'Wybierz plik')
    picker.addEventListener('change', () => {
      const file = picker.files && picker.files[0]
      if (file)
        file.text().then((content) => {
          area.value = content
        })
    })
    area.parentNode.insertBefore(picker, area)
  }
  // A Polish postal code typed as five digits (00950) gets its dash (00-950) when the field is
  // left or the form sent. data-postal-code names the country field, if any: only for PL (or empty).
  const postalFormat = (input) => {
    const countryName = input.dataset.postalCode
    const country = countryName && input.form ? input.form.elements.namedItem(countryName) : null
    const code = country && 'value' in country ? country.value.trim().toUpperCase() : 'PL'
    const digits = input.value.trim()
    if ((code === 'PL' || code === '') && /^\d{5}$/.test(digits))
      input.value = `${digits.slice(0, 2)}-${digits.slice(2)}`
  }
  for (const input of document.querySelectorAll('input[data-postal-code]')) {
    input.addEventListener('blur', () => postalFormat(input))
    if (input.form) input.form.addEventListener('submit', () => postalFormat(input))
  }
  // Buttons that show they are busy: after the first submit of a POST form its buttons are
  // disabled and the clicked one reads "Trwa…" (or its data-busy text), so a double click cannot
  // post twice. Disabled only after the submit event, or the clicked button's name/value would
  // be left out of the form data. A form answered with a download leaves the page in place:
  // the buttons come back after a while, and when the page is shown again from the history.
  const BUSY_RESET_MS = 8000
  const restore = (form) => {
    for (const button of form.querySelectorAll('button[data-busy-label]')) {
      button.textContent = button.dataset.busyLabel
      delete button.dataset.busyLabel
    }
    for (const button of form.querySelectorAll('button[type=submit], button:not([type]), input[type=submit]'))
      button.disabled = false
    form.removeAttribute('aria-busy')
    delete form.dataset.submitting
  }
  document.addEventListener('submit', (event) => {
    const form = event.target
    if (event.defaultPrevented || !(form instanceof HTMLFormElement) || form.method.toLowerCase() !== 'post') return
    if (form.dataset.submitting) {
      event.preventDefault()
      return
    }
    const clicked = event.submitter
    // a button answered with a file (Pobierz XML) leaves the page as it is: nothing to wait for
    if (clicked && clicked.hasAttribute('data-download')) return
    form.dataset.submitting = '1'
    form.setAttribute('aria-busy', 'true')
    setTimeout(() => {
      for (const button of form.querySelectorAll('button[type=submit], button:not([type]), input[type=submit]'))
        button.disabled = true
      if (clicked instanceof HTMLButtonElement) {
        clicked.dataset.busyLabel = clicked.textContent
        clicked.textContent = clicked.dataset.busy || 'Trwa…'
      }
    }, 0)
    setTimeout(() => restore(form), BUSY_RESET_MS)
  })
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) for (const form of document.querySelectorAll('form[data-submitting]')) restore(form)
  })
  // the USTAWIENIA menu (a <details>) closes on a click elsewhere or on Escape, as menus do
  for (const menu of document.querySelectorAll('details[data-navmenu]')) {
    document.addEventListener('click', (event) => {
      if (menu.open && !menu.contains(event.target)) menu.open = false
    })
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && menu.open) {
        menu.open = false
        menu.querySelector('summary').focus()
      }
    })
  }
  // pages that wait for something (e.g. Allegro device authorisation) reload themselves
  const refresh = document.querySelector('meta[name="biurko-refresh"]')
  if (refresh) setTimeout(() => window.location.reload(), Number(refresh.content) * 1000)
})
