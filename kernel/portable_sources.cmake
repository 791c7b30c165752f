# Sentry sources that compile both freestanding and hosted (paths relative to
# kernel/). Hosted unit tests link them through the sentry_hosted library.
set(SENTRY_PORTABLE_SOURCES
)
