"""Marking the English texts that pages show for translation.

`translatable("...")` returns its text unchanged: the API sends English, for programs. The
mark lets `make messages` extract the text into the catalogue, and the page shows it in
its own language (tx() in web/static/js/i18n.js).
"""


def translatable(text: str) -> str:
    return text
