// Registered once by the page header (gr.HTML js_on_load). Links whose href names a citation or a document
// (#cite-TURN-N, #doc-ID, #ddoc-ID) become a server event carrying that href; #copy-TURN copies that answer's
// plain text (kept hidden in #aic-exports) to the clipboard. Other links behave normally.
window.__aicTrigger = (ref) => trigger('click', {ref: ref});
if (!window.__aicBridge) {
  window.__aicBridge = true;
  const say = (text) => {
    const live = document.getElementById('aic-live');
    if (!live) return;
    live.textContent = '';
    setTimeout(() => { live.textContent = text; }, 50);
  };
  window.__aicSay = say;
  window.__aicCopy = async (text) => {
    try {
      await navigator.clipboard.writeText(text);
    } catch (err) {  // no clipboard permission (an http page, an old browser): fall back to a selection copy
      const area = document.createElement('textarea');
      area.value = text;
      area.setAttribute('readonly', '');
      area.style.position = 'fixed';
      area.style.opacity = '0';
      document.body.appendChild(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
  };
  window.__aicExport = (kind) => {
    const box = document.querySelector('#aic-exports .aic-exports');
    const pre = box && box.querySelector(`pre[data-export='${kind}']`);
    if (!pre) { say('Ask a question first: there is nothing to export yet.'); return; }
    const type = kind === 'html' ? 'text/html' : 'text/markdown';
    const url = URL.createObjectURL(new Blob([pre.textContent], {type: type + ';charset=utf-8'}));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${box.dataset.name || 'conversation'}.${kind === 'html' ? 'html' : 'md'}`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    say(`Conversation exported as ${kind === 'html' ? 'HTML' : 'Markdown'}.`);
  };
  document.addEventListener('click', (e) => {
    const a = e.target && e.target.closest ? e.target.closest('a') : null;
    if (!a) return;
    const href = a.getAttribute('href') || '';
    const copy = /^#copy-(\d+)$/.exec(href);
    if (copy) {
      e.preventDefault();
      e.stopPropagation();
      const pre = document.querySelector(`#aic-exports pre[data-copy='${copy[1]}']`);
      if (pre) window.__aicCopy(pre.textContent).then(() => say(a.dataset.done || 'Answer copied to the clipboard as plain text.'));
      return;
    }
    if (!/^#(cite|doc|ddoc)-/.test(href)) return;
    e.preventDefault();
    e.stopPropagation();
    window.__aicTrigger(href.slice(1));
  }, true);
}
