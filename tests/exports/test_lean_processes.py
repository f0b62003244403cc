"""Django's start-up does not load the report and PDF stack, and the CSV listing needs none of
it: a process that streams the listing stays small (DESIGN section 11: under 200 MB at
1,000,000 events), where importing scipy's statistics, the summaries and WeasyPrint when the
apps were ready cost every process about 130 MB before its first row. A gunicorn master
still loads all of it on purpose, before the fork (`config.warmup`)."""

from tests.subprocesses import run_django

REPORT_STACK = ("scipy", "weasyprint", "reporting.selectors.summaries", "exports.outcome_jobs")
PROBE = (
    "import sys\n"
    "import django\n"
    "django.setup()\n"
    "import exports.csv_listing\n"
    f"print(' '.join(name for name in {REPORT_STACK!r} if name in sys.modules) or 'none')\n"
)


def test_django_start_up_and_the_csv_listing_leave_the_report_stack_unloaded(tmp_path):
    result = run_django(PROBE, tmp_path, timeout=120)

    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["none"]


def test_an_outcome_export_job_still_finds_its_writer(tmp_path):
    probe = (
        "import django\n"
        "django.setup()\n"
        "from exports.models import ExportKind\n"
        "from exports.services import JOB_WRITERS\n"
        "print(sorted(kind.value for kind in ExportKind if kind not in JOB_WRITERS) or 'all')\n"
    )

    result = run_django(probe, tmp_path, timeout=120)

    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["all"]
