"""policykit in the browser: FastAPI routers (one module per area, like ``toolkit.cli``),
server-rendered Jinja2 templates and the vendored htmx beside them. The pages call the same
library functions the CLI calls; no rule lives here."""
