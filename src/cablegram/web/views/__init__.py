"""The pages and endpoints: one module per kind of page, each exposing `router` (and maybe
`nav` links and a `setup(app)` hook). `cablegram.web.app.create_app` includes them all."""
