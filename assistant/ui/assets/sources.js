// The sources panel: keep the selected citation's card in view.
watch('value', () => {
  const sel = element.querySelector('.aic-card.aic-selected');
  if (sel) sel.scrollIntoView({block: 'nearest'});
});
