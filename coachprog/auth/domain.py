"""Password rules: how strong a sign-in secret must be.

Pure policy, no Flask or database: the services and the permission authority build on it.
"""

from __future__ import annotations

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256


def password_problems(password: str, *, email: str = "") -> list[str]:
    """Why `password` is too weak, in words a user can act on; empty when it is acceptable.

    Length over composition rules, as NIST SP 800-63B recommends.
    """
    problems: list[str] = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"Use at most {MAX_PASSWORD_LENGTH} characters.")
    if password and len(set(password)) < 4:
        problems.append("Use more than three different characters.")
    local_part = email.split("@", 1)[0].lower()
    if len(local_part) >= 4 and local_part in password.lower():
        problems.append("Do not include your e-mail name in the password.")
    return problems
