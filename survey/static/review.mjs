// The review page's keys and passage selection: progressive enhancement, every action is also a plain form.
const root = document.querySelector('[data-review]')

const codes = () => [...document.querySelectorAll('.app-code')]
let chosen = null

function choose (item) {
  for (const other of codes()) other.classList.remove('app-code--chosen')
  chosen = item
  if (item) {
    item.classList.add('app-code--chosen')
    item.focus({ preventScroll: false })
  }
}

function current () {
  return chosen || codes().find(item => item.dataset.standing === 'proposed') || codes()[0] || null
}

function decide (item, decision) {
  if (!item) return
  const button = item.querySelector(`button[data-decision="${decision}"]`)
  item.querySelector('form').requestSubmit(button)
}

function typing (target) {
  return target.closest('input, textarea, select, [contenteditable="true"]')
}

// A selection in the answer maps back to the answer's characters through the offset each piece carries.
function offsetOf (node, offset) {
  const piece = (node.nodeType === Node.TEXT_NODE ? node.parentElement : node).closest('[data-start]')
  return piece ? Number(piece.dataset.start) + offset : null
}

function takeSelection () {
  const selection = window.getSelection()
  const text = document.getElementById('answer-text')
  if (!selection || selection.isCollapsed || !text.contains(selection.anchorNode)) return
  const range = selection.getRangeAt(0)
  const start = offsetOf(range.startContainer, range.startOffset)
  const end = offsetOf(range.endContainer, range.endOffset)
  if (start === null || end === null || end <= start) return
  document.getElementById('quote').value = selection.toString()
  document.getElementById('quote-start').value = start
  document.getElementById('quote-end').value = end
  document.getElementById('add-code').open = true
}

const keys = {
  j: () => { if (root.dataset.next) window.location.assign(root.dataset.next) },
  k: () => { if (root.dataset.previous) window.location.assign(root.dataset.previous) },
  a: () => decide(current(), 'accepted'),
  x: () => decide(current(), 'rejected'),
  r: () => document.getElementById('mark-reviewed').requestSubmit(),
  u: () => document.getElementById('undo').requestSubmit(),
  n: () => { document.getElementById('add-code').open = true; document.getElementById('theme').focus() },
  '/': () => document.getElementById('search').focus(),
  '?': () => { const help = document.getElementById('keys'); help.open = true; help.querySelector('summary').focus() }
}

if (root) {
  const fromHash = window.location.hash && document.querySelector(`.app-code#${CSS.escape(window.location.hash.slice(1))}`)
  if (fromHash) choose(fromHash)
  document.getElementById('answer-text').addEventListener('mouseup', takeSelection)
  document.getElementById('answer-text').addEventListener('keyup', takeSelection)
  document.addEventListener('keydown', event => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return
    if (/^[1-9]$/.test(event.key)) {
      const item = codes().find(code => code.dataset.number === event.key)
      if (item) { event.preventDefault(); choose(item); item.querySelector('form').requestSubmit(item.querySelector(`button[data-decision="${item.querySelector('form').dataset.toggle}"]`)) }
      return
    }
    const action = keys[event.key]
    if (action) { event.preventDefault(); action() }
  })
}
