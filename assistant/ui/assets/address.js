// Keeps the address bar on the open conversation (?c=ID) or linked answer (?a=ID), so it can be bookmarked or shared, without a reload.
const update = () => {
  const tag = element.querySelector('[data-url]');
  if (!tag) return;
  const url = new URL(window.location.href);
  url.search = tag.dataset.url;
  if (url.href !== window.location.href) history.replaceState(null, '', url.href);
};
watch('value', update);  // not at once: the page-load event must still see the address it was opened with
