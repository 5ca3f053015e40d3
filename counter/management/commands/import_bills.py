"""import_bills: load a bills export of the billing system from the command line (all rows or none)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from counter.errors import CounterError
from counter.services.bill_import import ImportRejected, import_bills, import_summary
from servicecenter.models import Company, User


class Command(BaseCommand):
    help = "Import bills from a CSV export of the billing system (UTF-8 or GB18030). All rows or none."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV file")
        parser.add_argument("--company", required=True, help="the company's code")
        parser.add_argument("--user", required=True, help="username of the person importing (history)")

    def handle(self, *args, **options):
        company = Company.objects.filter(code=options["company"]).first()
        if company is None:
            raise CommandError(_("No company with the code %(code)s.") % {"code": options["company"]})
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(
                _("No active user with the username %(username)s.") % {"username": options["user"]}
            )
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(reason)s") % {"file": path, "reason": exc.strerror}
            ) from None
        try:
            record = import_bills(company=company, data=data, file_name=path.name, by=user, at=timezone.now())
        except ImportRejected as exc:
            for line, message in exc.errors:
                self.stderr.write(_("Line %(line)s: %(message)s") % {"line": line, "message": message})
            if exc.total > len(exc.errors):
                self.stderr.write(
                    _("… and %(count)s more problems.") % {"count": exc.total - len(exc.errors)}
                )
            raise CommandError(exc.message) from None
        except CounterError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(self.style.SUCCESS(import_summary(record)))
