"""The vocabulary seed migration is frozen: the live term list can grow without breaking it."""

import textwrap

from tests.subprocesses import run_django

# Run in a fresh interpreter: the test database is already migrated, and the patched
# vocabulary must be in place before Django imports anything.
MIGRATE_WITH_A_GROWN_VOCABULARY = textwrap.dedent(
    """
    import django
    import events.vocabulary as vocabulary

    for term in vocabulary.TERMS:
        term["snomed_code"] = "000000"
    vocabulary.TERMS.append({**vocabulary.TERMS[0], "code": "added_later", "name": "Added"})

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from events.models import EventTerm

    print(EventTerm.objects.count(), EventTerm.objects.filter(code="added_later").count())
    """
)


def test_a_fresh_migrate_succeeds_after_a_key_is_added_to_the_vocabulary(tmp_path):
    from importlib import import_module

    frozen_terms = import_module("events.migrations.0002_seed_event_terms").TERMS
    result = run_django(MIGRATE_WITH_A_GROWN_VOCABULARY, tmp_path, timeout=300)

    assert result.returncode == 0, result.stderr
    seeded, added_later = result.stdout.split()
    # The migration seeds the terms it was written with, not the live list.
    assert int(seeded) == len(frozen_terms)
    assert added_later == "0"
