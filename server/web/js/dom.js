// Small DOM helpers: every text goes in as text (never as HTML), so names from the network cannot inject markup.

/** el('td', { class: 'state', dataset: { state } }, 'running', child …) */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name === 'onclick') node.addEventListener('click', value);
    // Through the CSSOM, not a style attribute: the page's CSP allows no inline styles.
    else if (name === 'style') Object.assign(node.style, value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  node.append(
    ...children
      .flat()
      .filter((child) => child !== undefined && child !== null)
      .map((child) => (child instanceof Node ? child : String(child))),
  );
  return node;
}

/** Replaces a <select>'s options, keeping the chosen value when it is still offered. */
export function fillSelect(select, values, labels = values) {
  const chosen = new Set([...select.selectedOptions].map((option) => option.value));
  select.replaceChildren(
    ...values.map((value, index) => el('option', { value, selected: chosen.has(value) }, labels[index])),
  );
}

export function showMessage(node, text, kind = 'ok') {
  node.textContent = text;
  node.className = `result ${kind}`;
}
