"""Administration of the service: agents (roles, sites, rights), two-factor authentication, RGPD (a family's data,
retention), audit and statistics. Rules, services and wording; the pages are in blueprints/backoffice (agents,
audit, statistics), blueprints/twofactor (login steps) and blueprints/family (a family's data)."""
