"""Every write to the clinical record. Each service checks the actor's role, validates,
and saves through `audit.services.audited_save` inside one transaction."""
