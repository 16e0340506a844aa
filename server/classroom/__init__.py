"""The classroom: sessions (who you are), rooms (what a teacher shows), forking (taking a
copy of it) and the access policy (who may see or change what)."""
