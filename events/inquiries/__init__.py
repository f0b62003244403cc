"""Questions and documents on an event: a director's requests for information, the discussion
thread, and attachments (PDF, PNG, JPEG). Every one of them is an audited record."""
