// The language switcher in every page's header: the choice is remembered (the `lang`
// cookie, a year) and the page reloads in it. Without script, the form sends ?lang=.

const select = document.getElementById("language-select");

function choose() {
  const tag = select.value;
  document.cookie = `lang=${encodeURIComponent(tag)}; path=/; max-age=31536000; SameSite=Lax`;
  const url = new URL(window.location.href);
  if (url.searchParams.has("lang")) {
    url.searchParams.set("lang", tag); // the address named a language: name the new one
    window.location.assign(url.toString());
  } else {
    window.location.reload(); // (assigning the same address with a #hash would not load it)
  }
}

if (select) select.addEventListener("change", choose);
