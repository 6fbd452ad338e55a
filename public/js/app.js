// Progressive enhancement only: every page works without this file.
document.addEventListener('DOMContentLoaded', () => {
  // "select all" checkbox for bulk actions in lists
  for (const master of document.querySelectorAll('input[data-select-all]')) {
    master.addEventListener('change', () => {
      const form = master.closest('form') || document
      for (const box of form.querySelectorAll(`input[type=checkbox][name="${master.dataset.selectAll}"]`)) box.checked = master.checked
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
      if (file) file.text().then((content) => { area.value = content })
    })
    area.parentNode.insertBefore(picker, area)
  }
  // the USTAWIENIA menu (a <details>) closes on a click elsewhere or on Escape, as menus do
  for (const menu of document.querySelectorAll('details[data-navmenu]')) {
    document.addEventListener('click', (event) => { if (menu.open && !menu.contains(event.target)) menu.open = false })
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && menu.open) { menu.open = false; menu.querySelector('summary').focus() }
    })
  }
  // pages that wait for something (e.g. Allegro device authorisation) reload themselves
  const refresh = document.querySelector('meta[name="biurko-refresh"]')
  if (refresh) setTimeout(() => window.location.reload(), Number(refresh.content) * 1000)
})
