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
  // pages that wait for something (e.g. Allegro device authorisation) reload themselves
  const refresh = document.querySelector('meta[name="biurko-refresh"]')
  if (refresh) setTimeout(() => window.location.reload(), Number(refresh.content) * 1000)
})
