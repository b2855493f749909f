/** A view's URL parameters as a form of text fields; Apply hands the filled ones to `apply` (which reloads the page). */
export function settingsForm(form: HTMLElement, fields: { name: string; value: string; help: string }[], apply: (filled: URLSearchParams) => void): void {
  for (const f of fields) {
    const label = document.createElement('label');
    label.title = f.help;
    const input = document.createElement('input');
    input.name = f.name;
    input.value = f.value;
    input.placeholder = 'default';
    input.size = 7;
    label.append(`${f.name} `, input);
    form.append(label);
  }
  const button = document.createElement('button');
  button.textContent = 'Apply (reloads with these settings)';
  button.type = 'submit';
  form.append(button);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const filled = new URLSearchParams();
    form.querySelectorAll('input').forEach((input) => { if (input.value.trim() !== '') filled.set(input.name, input.value.trim()); });
    apply(filled);
  });
}
