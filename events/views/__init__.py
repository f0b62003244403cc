"""Server-rendered pages of the clinical record, one module per subject. Views stay thin:
reads go through `events.selectors`, writes through `events.services`."""
