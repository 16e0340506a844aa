"""Languages: which one a request wants, and the gettext catalogues that speak it.

English is the source: every message is written in English in the templates, the page
scripts and the server's texts, and `make messages` extracts them into
server/i18n/messages.pot; a language's translations live in
server/i18n/locale/<locale>/LC_MESSAGES/messages.po (docs/translating.md). The .po files
are read when the app is made (create_app): no compile step.
"""
