"""Certificate rendering: one PDF (target ≤ 300 ms) and a cohort batch of 200 through the
background job, against a scratch SQLite database.

    .venv/bin/python bench/certificates.py [--cohort 200] [--repeat 20]

Prints the cold first render (fonts loaded), the median and worst of `--repeat` warm renders
(context from a Certification row + Jinja + WeasyPrint), and the batch job's wall time, PDFs
per second and zip size. Exits 1 when the warm median is over 300 ms or the zip is not
complete.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
import zipfile
from datetime import date
from pathlib import Path

TARGET_SECONDS = 0.300


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cohort", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from coachprog import create_app
    from coachprog.authority import SystemActor
    from coachprog.certification.certificates import services as certificates
    from coachprog.certification.models import Certification
    from coachprog.extensions import db
    from coachprog.jobs.models import Job
    from coachprog.people.models import Person

    with tempfile.TemporaryDirectory(prefix="coachprog-bench-instance-") as instance:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/bench.db",
                          "INSTANCE_PATH": instance, "SECRET_KEY": "bench",
                          "COACHPROG_QUEUE": "immediate",
                          "COACHPROG_BASE_URL": "https://coach.example.com"})
        with app.app_context():
            logging.disable(logging.INFO)
            upgrade()
            logging.disable(logging.NOTSET)
            issued = date(2026, 6, 30)
            for n in range(args.cohort):
                person = Person(employee_id=f"B{n:05d}", name=f"Coach Zoë Ångström {n}",
                                email=f"coach{n}@example.com", department="Sales",
                                title="Coach", active=True)
                db.session.add(Certification(person=person, level="certified_internal_coach",
                                             issued_on=issued, valid_until=date(2027, 6, 30)))
            db.session.commit()
            base = app.config["COACHPROG_BASE_URL"]
            cert = db.session.scalars(sa.select(Certification).limit(1)).one()

            def one() -> float:
                start = time.perf_counter()
                certificates.render_certificate_pdf(
                    certificates.certificate_context(cert, base_url=base))
                return time.perf_counter() - start

            cold = one()
            warm = [one() for _ in range(args.repeat)]
            median = statistics.median(warm)

            start = time.perf_counter()
            job = certificates.start_certificate_batch(SystemActor("bench"), issued_on=issued)
            db.session.commit()  # the immediate queue runs the job at commit
            batch_seconds = time.perf_counter() - start
            db.session.expire_all()
            finished = db.session.scalars(sa.select(Job).where(Job.id == job.id)).one()
            zip_name = certificates.batch_zip_name(finished)
            count = 0
            size = 0
            if zip_name is not None:
                batches = certificates.batch_store()
                size = batches.size(zip_name)
                with batches.open(zip_name) as stored, zipfile.ZipFile(stored) as archive:
                    count = len(archive.namelist())
            db.engine.dispose()

    print(f"one PDF, cold (first in process): {cold * 1000:7.1f} ms")
    print(f"one PDF, warm median of {args.repeat}:   {median * 1000:7.1f} ms "
          f"(worst {max(warm) * 1000:.1f} ms; target ≤ {TARGET_SECONDS * 1000:.0f} ms)")
    print(f"batch of {args.cohort} (job, zip):      {batch_seconds:7.2f} s  "
          f"({args.cohort / batch_seconds:.1f} PDFs/s, {count} files, "
          f"{size / 1024 / 1024:.1f} MiB, job {finished.status})")
    ok = median <= TARGET_SECONDS and count == args.cohort and finished.status == "succeeded"
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
