"""The practicum hours ledger: programs, enrolment, logged and verified hours, progress, export."""
