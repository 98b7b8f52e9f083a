"""Calibration exercises: blind assessments scored against gold marks, which decide rater
calibration; and rater drift on live assessments. Pages under /calibration/."""
