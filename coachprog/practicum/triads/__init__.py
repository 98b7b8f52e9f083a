"""Peer triads: three trainees practising in rotation as coach, client and observer."""
