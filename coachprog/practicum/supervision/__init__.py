"""Supervision of trainees: review deadlines, the queue, feedback, one-to-ones and the gates."""
