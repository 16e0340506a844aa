// The language switcher in every page's header: the choice is remembered (the `lang`
// cookie, a year) and the page reloads in it. Without script, the form sends ?lang=.

const select = document.getElementById("language-select");

function choose() {
  const tag = select.value;
  document.cookie = `lang=${encodeURIComponent(tag)}; path=/; max-age=31536000; SameSite=Lax`;
  const url = new URL(window.location.href);
  if (url.searchParams.has("lang")) url.searchParams.set("lang", tag);
  window.location.assign(url.toString());
}

if (select) select.addEventListener("change", choose);
