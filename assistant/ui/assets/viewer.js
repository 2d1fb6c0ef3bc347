// A document viewer: scroll the highlighted passage into the middle of the document box.
watch('value', () => {
  const box = element.querySelector('.aic-doc');
  if (!box) return;
  const m = box.querySelector('mark.aic-hl');
  box.scrollTop = m ? Math.max(0, m.offsetTop - box.clientHeight / 3) : 0;
  element.scrollIntoView({block: 'nearest'});
});
