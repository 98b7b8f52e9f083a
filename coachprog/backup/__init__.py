"""Backup and restore of a whole installation (`flask --app wsgi backup create|restore DIR`)."""
