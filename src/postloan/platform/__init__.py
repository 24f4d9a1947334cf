"""Platform: accounts and roles, data scope, audit trail, PII protection, business date,
runtime configuration, plugins, API root and the web shell. Always on."""
