# Sentry sources that only build freestanding (they use the guest platform).
set(SENTRY_ONLY_SOURCES
)
