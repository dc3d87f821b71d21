"""The composition root of the emergency one-map: settings, app, pages, API, auth, i18n, CLI."""
