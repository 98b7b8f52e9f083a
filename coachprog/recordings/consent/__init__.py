"""Consent of the coachee: the texts they consent to, recorded consents, withdrawal."""
